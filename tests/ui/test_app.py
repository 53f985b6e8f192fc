"""The app shell and the Taxonomy page, run by Streamlit's AppTest on real taxonomies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labui.ui.taxonomy_view import KEY_BRANCH, KEY_LEAF, KEY_QUERY, KEY_STATUSES, KEY_STYLE
from tests.ui.support import open_app

BROKEN = "knowledge/technical_manual/ibm_redbooks"
MESSAGE = "Version 1 is not supported for knowledge"


def _chart_spec(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "the tree figure is on the page"
    return json.loads(charts[0].proto.spec)


def _plain(md: str) -> str:
    """Markdown source as read: escaping backslashes dropped."""
    return md.replace("\\", "")


def test_sample_taxonomy(monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path) -> None:
    at = open_app(monkeypatch, sample_taxonomy)
    metrics = {m.label: m.value for m in at.metric}
    n = len(list(sample_taxonomy.rglob("qna.yaml")))
    assert metrics["Leaves"] == str(n)
    assert int(metrics["Knowledge"]) >= 2 and int(metrics["Errors"]) == 0
    spec = _chart_spec(at)
    trace = spec["data"][0]
    assert trace["type"] == "sunburst"
    leaf_ids = {p.parent.relative_to(sample_taxonomy).as_posix() for p in sample_taxonomy.rglob("qna.yaml")}
    assert leaf_ids <= set(trace["ids"])
    assert any("All" in s.value and "pass the strict checks" in s.value for s in at.success)
    assert any(f"{n} leaves" in m.value for m in at.sidebar.markdown)

    at.segmented_control(key=KEY_STYLE).set_value("Treemap").run()
    assert not at.exception
    assert _chart_spec(at)["data"][0]["type"] == "treemap"


def test_real_taxonomy_broken_leaf(monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path) -> None:
    at = open_app(monkeypatch, real_taxonomy)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Leaves"], metrics["Errors"]) == ("148", "2")
    assert len(_chart_spec(at)["data"][0]["ids"]) > 148
    # The two broken leaves are pointed out at the top, with their line.
    attention = " ".join(_plain(m.value) for m in at.markdown)
    assert "2 leaves with errors" in attention
    assert f"{BROKEN}` · line 1:1 · {MESSAGE}" in attention

    at.selectbox(key=KEY_LEAF).set_value(BROKEN).run()
    assert not at.exception
    diags = [
        _plain(m.value) for m in at.markdown if MESSAGE in _plain(m.value) and "line 1, column 1" in m.value
    ]
    assert len(diags) == 1 and "`1:1`" in diags[0] and "error" in diags[0]
    excerpts = [c.value for c in at.code if c.value.startswith("> 1 | ")]
    assert excerpts and excerpts[0].splitlines()[0] == "> 1 | created_by: IBM Research"


def test_show_button_opens_the_leaf(monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path) -> None:
    at = open_app(monkeypatch, real_taxonomy)
    at.button(key="tx_show_1").click().run()
    assert at.selectbox(key=KEY_LEAF).value == "knowledge/textbook/history/ibm_history"
    assert any("line 1, column 1" in m.value for m in at.markdown)


def test_filters(monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path) -> None:
    at = open_app(monkeypatch, real_taxonomy)
    at.pills(key=KEY_STATUSES).set_value(["error"]).run()
    table = at.dataframe[0].value
    assert set(table["path"]) == {BROKEN, "knowledge/textbook/history/ibm_history"}
    at.pills(key=KEY_STATUSES).set_value([]).run()
    at.selectbox(key=KEY_BRANCH).set_value("compositional_skills/writing/freeform/poetry").run()
    at.text_input(key=KEY_QUERY).set_value("haiku").run()
    paths = list(at.dataframe[0].value["path"])
    assert paths and all(p.startswith("compositional_skills/writing/freeform/poetry/") for p in paths)
    assert any("haiku" in p for p in paths)
    assert any(c.value.startswith(f"{len(paths)} of 148 leaves shown") for c in at.caption)


def _folder_message(monkeypatch: pytest.MonkeyPatch, folder: Path) -> str:
    at = open_app(monkeypatch, folder)
    assert not at.get("plotly_chart")
    sidebar, main = [e.value for e in at.sidebar.error], [e.value for e in at.main.error]
    assert len(sidebar) == 1 and sidebar == main, "one plain message, in the sidebar and on the page"
    return _plain(sidebar[0])


def test_bad_folder_is_a_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert "does not exist" in _folder_message(monkeypatch, tmp_path / "nowhere")
    (tmp_path / "empty" / "knowledge").mkdir(parents=True)
    assert "holds no qna.yaml leaves" in _folder_message(monkeypatch, tmp_path / "empty")
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    assert "is a file, not a folder" in _folder_message(monkeypatch, tmp_path / "file.txt")


def test_changing_folder(monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path, tmp_path: Path) -> None:
    """Typing another folder (the sidebar input's key) switches the page; a bad one gives a message."""
    at = open_app(monkeypatch, sample_taxonomy)
    at.session_state["taxonomy_path"] = str(tmp_path / "nowhere")
    at.run()
    assert not at.exception and not at.get("plotly_chart")
    assert any("does not exist" in e.value for e in at.main.error)
    at.session_state["taxonomy_path"] = str(sample_taxonomy)
    at.run()
    assert not at.exception and at.get("plotly_chart") and not at.main.error


HTML_LEAF = """\
version: 3
created_by: tester
task_description: Seeds that look like markup must be shown as text.
seed_examples:
  - question: "What does <script>alert('pwned')</script> do?"
    answer: "It is <b>not</b> run: **not bold** either."
  - question: Second question?
    answer: Second answer.
  - question: Third question?
    answer: Third answer.
  - question: Fourth question?
    answer: Fourth answer.
  - question: Fifth question?
    answer: Fifth answer.
"""


def test_seed_html_is_text(monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path) -> None:
    leaf_dir = sample_taxonomy / "compositional_skills" / "markup" / "html_seed"
    leaf_dir.mkdir(parents=True)
    (leaf_dir / "qna.yaml").write_text(HTML_LEAF, encoding="utf-8")
    at = open_app(monkeypatch, sample_taxonomy)
    at.selectbox(key=KEY_LEAF).set_value("compositional_skills/markup/html_seed").run()
    assert not at.exception
    texts = [t.value for t in at.text]
    assert "What does <script>alert('pwned')</script> do?" in texts
    assert "It is <b>not</b> run: **not bold** either." in texts
    # Nowhere is the markup handed to a renderer that would interpret it.
    assert not any("<script>" in m.value for m in at.markdown)
    assert not at.get("html")


def test_open_in_editor(monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path) -> None:
    at = open_app(monkeypatch, real_taxonomy)
    at.selectbox(key=KEY_LEAF).set_value(BROKEN).run()
    at.button(key="tx_open_editor").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # The link puts the leaf in the Editor's URL, so a refresh or a shared address opens it again.
    assert at.query_params["leaf"] in (BROKEN, [BROKEN])
    # The Editor page runs now, not the Taxonomy page, and it took the leaf it was handed.
    assert not at.get("plotly_chart") and not any(m.label == "Leaves" for m in at.metric)
    assert "editor_leaf" not in at.session_state or at.session_state["editor_leaf"] == BROKEN
    shown = [
        getattr(e, "value", "")
        for e in (*at.main.markdown, *at.main.subheader, *at.main.caption, *at.main.text_input, *at.main.code)
    ]
    assert any(BROKEN in str(v) for v in shown)
