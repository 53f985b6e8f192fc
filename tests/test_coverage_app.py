"""The Coverage page under Streamlit's AppTest: real taxonomy, real tasks, real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labui.ui.coverage_view import (
    KEY_EDITOR_PREFILL,
    KEY_FIELDS,
    KEY_PATHS,
    KEY_SOURCE,
    KEY_THRESHOLD,
    SOURCE_NONE,
)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 300  # a cold cache embeds ~900 texts on a CPU


def _coverage(monkeypatch: pytest.MonkeyPatch, taxonomy: Path) -> AppTest:
    monkeypatch.setenv("LABUI_TAXONOMY", str(taxonomy))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_real_data_run(monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path, seed_tasks: Path) -> None:
    at = _coverage(monkeypatch, real_taxonomy)
    assert at.button(key="cov_run") is not None and not at.metric  # nothing until asked
    at.text_input(key=KEY_PATHS).set_value(str(seed_tasks))
    at.text_input(key=KEY_FIELDS).set_value("instruction")
    at.button(key="cov_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    m = _metrics(at)
    assert m["Leaves"] == "148" and m["Real items"] == "175"
    covered = int(m["Covered"].rstrip("%"))
    assert 10 < covered < 80
    caption = " ".join(c.value for c in at.caption)
    assert "all-MiniLM-L6-v2" in caption and " on " in caption and "embedded now" in caption
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert {d["type"] for c in charts for d in c["data"]} >= {"sunburst", "scattergl"}
    create = [b for b in at.button if b.label == "Create leaf from cluster"]
    assert len(create) == int(m["Uncovered clusters"]) >= 3

    # A higher threshold covers fewer items, without embedding again.
    at.slider(key=KEY_THRESHOLD).set_value(0.5).run()
    assert int(_metrics(at)["Covered"].rstrip("%")) < covered

    # Creating a leaf from a cluster hands a prefill to the Editor.
    create = [b for b in at.button if b.label == "Create leaf from cluster"]
    create[0].click().run()
    prefill = at.session_state[KEY_EDITOR_PREFILL]
    assert prefill["kind"] == "freeform_skill" and prefill["seeds"] and prefill["path"].count("/") >= 2


def test_second_run_reuses_cache_and_bad_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path, tmp_path: Path
) -> None:
    at = _coverage(monkeypatch, real_taxonomy)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hello"}\n')
    at.text_input(key=KEY_PATHS).set_value(str(bad))
    at.text_input(key=KEY_FIELDS).set_value("instruction")
    at.button(key="cov_run").click().run()
    assert any("bad.jsonl:1: no field 'instruction'" in e.value for e in at.error)

    at.radio(key=KEY_SOURCE).set_value(SOURCE_NONE).run()
    at.button(key="cov_run").click().run()
    first = " ".join(c.value for c in at.caption)
    at.button(key="cov_run").click().run()
    second = " ".join(c.value for c in at.caption)
    assert "taxonomy only" in second and "0 embedded now" in second, (first, second)
    assert _metrics(at)["Real items"] == "0"
