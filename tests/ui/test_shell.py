"""labui.ui.shell and labui.ui.nav under AppTest: every page file runs the shell, links land where they say."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labui.ui import nav
from tests.ui.support import ROOT, open_app

PAGE_FILES = sorted((ROOT / "pages").glob("*.py"))


def _registered_pages() -> list[str]:
    """The page files named in shell.pages() (read from its source: st.Page needs a running app)."""
    tree = ast.parse((ROOT / "labui" / "ui" / "shell.py").read_text(encoding="utf-8"))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "pages")
    names = [
        c.args[0].attr
        for c in ast.walk(fn)
        if isinstance(c, ast.Call)
        and getattr(c.func, "attr", "") == "Page"
        and isinstance(c.args[0], ast.Attribute)
    ]
    return [getattr(nav, name) for name in names]


def test_every_page_file_is_in_the_navigation_and_runs_the_shell() -> None:
    registered = _registered_pages()
    assert sorted(registered) == sorted(f"pages/{p.name}" for p in PAGE_FILES)
    for path in PAGE_FILES:
        funcs = [
            n.func
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        ]
        # A direct first request to the page's URL runs this file alone: shell.page() brings the shell.
        assert any(f.attr == "page" and getattr(f.value, "id", "") == "shell" for f in funcs), path


def test_the_shell_draws_the_sidebar_and_the_default_page(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path
) -> None:
    at = open_app(monkeypatch, sample_taxonomy)
    folder = at.sidebar.text_input(key=nav.KEY_TAXONOMY_PATH)
    assert folder.value == str(sample_taxonomy)
    assert any("leaves" in m.value for m in at.sidebar.markdown)
    assert at.session_state[nav.KEY_SHELL_STARTED]
    assert any(m.label == "Leaves" for m in at.metric), "the Taxonomy page is the default page"


def test_a_hostile_folder_name_is_shown_as_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "![x](http:__h_x.png)"
    at = open_app(monkeypatch, bad)
    (message,) = [e.value for e in at.sidebar.error]
    assert "does not exist" in message and "](http" not in message


def _counts_page() -> None:
    import streamlit as st

    from labui.ui.state import LoadingBox

    box = LoadingBox(st.empty(), st.empty())
    box.start_load(10_000)
    box.progress("loading", 10_000, 10_000)  # the last count is always drawn (others at most every 0.1 s)


def test_load_counts_read_plainly() -> None:
    from labui.ui.state import load_counts

    at = AppTest.from_function(_counts_page).run()
    assert not at.exception
    assert [c.value for c in at.caption] == ["10,000 leaves found · 10,000 of 10,000 validated…"]
    assert [b.label for b in at.button] == ["Cancel loading"]
    walking = {"stage": "finding", "found": 3_072, "done": 0, "total": None}
    assert load_counts(walking) == "Looking for leaves: 3,072 leaves found…"
    reading = {"stage": "loading", "found": 10_000, "done": 0, "total": 10_000}
    assert load_counts(reading) == "10,000 leaves found · reading 10,000…"
    validating = {"stage": "loading", "found": 10_000, "done": 1_200, "total": 10_000}
    assert load_counts(validating) == "10,000 leaves found · 1,200 of 10,000 validated…"
