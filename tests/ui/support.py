"""Helpers of the AppTest page tests: the whole app (app.py) opened on a taxonomy."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 120


def open_app(
    monkeypatch: pytest.MonkeyPatch,
    taxonomy: Path,
    *,
    state: Mapping[str, Any] | None = None,
    query: Mapping[str, str] | None = None,
) -> AppTest:
    """app.py run once on `taxonomy` (as LABUI_TAXONOMY), with `state` in its session and `query` in
    its URL before that first run; it must run without an exception."""
    monkeypatch.setenv("LABUI_TAXONOMY", str(taxonomy))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def place(node: Any, key: str, trail: tuple[int, ...] = ()) -> tuple[int, ...] | None:
    """Where the widget with `key` sits in the page: its index in each block from the top down.
    Streamlit sends a run's elements by that place and keeps a block's children only when the same
    kind of block arrives there, so a widget whose place changes between runs is remounted."""
    if getattr(node, "key", None) == key:
        return trail
    for index, child in getattr(node, "children", {}).items():
        found = place(child, key, (*trail, index))
        if found is not None:
            return found
    return None
