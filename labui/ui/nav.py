"""Every cross-page session key, URL parameter and link between pages, in one place.

A page that sends the user to another one calls a link function here (from an `on_click` callback,
so the click counts even while the page reruns); the receiving page reads the key named here. The
URL carries what a refresh or a shared link must keep (`?leaf=`), session state the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

# The page files (st.switch_page and st.Page take these paths, relative to app.py).
PAGE_TAXONOMY = "pages/taxonomy.py"
PAGE_EDITOR = "pages/editor.py"
PAGE_COVERAGE = "pages/coverage.py"
PAGE_GENERATE = "pages/generate.py"
PAGE_REVIEW = "pages/review.py"
PAGE_EXPORT = "pages/export.py"

# URL parameters.
QUERY_LEAF = "leaf"  # the open leaf on the Taxonomy and Editor pages: /editor?leaf=knowledge/...
QUERY_SAMPLE = "sample"  # the open sample on the Review page: /review?sample=123
QUERY_NAME = "name"  # the sidebar's "Your name", on every page: a refresh keeps it (labui.ui.identity)

# Session keys shared by pages.
KEY_TAXONOMY_PATH = "taxonomy_path"  # the sidebar's folder box (every page reads the taxonomy from it)
KEY_USER_NAME = "user_name"  # who is at this browser ("" for nobody named): reviews and drafts use it
KEY_EDITOR_LEAF = "editor_leaf"  # Taxonomy / Coverage → Editor: open this leaf (a path)
KEY_EDITOR_PREFILL = "editor_prefill"  # Coverage → Editor: a new leaf to start from (dict of fields)
KEY_GENERATE_LEAVES = "generate_leaves"  # Taxonomy / Coverage → Generate: these leaf paths (list)
KEY_REVIEW_SAMPLE = "review_sample"  # Generate → Review: open this sample (its id)
KEY_REVIEW_RUN = "review_run"  # Generate → Review: show this run's samples (its id)
KEY_SHELL_STARTED = "_shell_started"  # the shell has run once in this session (see shell.run)
_KEY_GO = "_nav_go"  # a page switch asked for by a callback, done by the shell in the next run


def go(page: str, query_params: Mapping[str, str] | None = None) -> None:
    """Switch to `page` (a PAGE_* path), from a callback or the page body.

    A callback runs before the script, when this run's page list is not known yet, so the switch is
    left for the shell to make right after st.navigation (`follow`).
    """
    st.session_state[_KEY_GO] = (page, dict(query_params or {}))


def follow() -> None:
    """Make the switch a callback asked for (called by the shell once the pages are registered)."""
    target = st.session_state.pop(_KEY_GO, None)
    if target is not None:
        page, params = target
        st.switch_page(page, query_params=params or None)


def open_in_editor(path: str) -> None:
    """Go to the Editor with this leaf open (the URL keeps it for a refresh)."""
    st.session_state[KEY_EDITOR_LEAF] = path
    go(PAGE_EDITOR, {QUERY_LEAF: path})


def new_leaf_in_editor(prefill: Mapping[str, Any]) -> None:
    """Go to the Editor with a new leaf started from these fields (path, kind, seeds, …)."""
    st.session_state[KEY_EDITOR_PREFILL] = dict(prefill)
    go(PAGE_EDITOR)


def generate_for(paths: Sequence[str]) -> None:
    """Go to the Generate page with these leaves chosen."""
    st.session_state[KEY_GENERATE_LEAVES] = list(paths)
    go(PAGE_GENERATE)


def open_in_review(sample_id: int | None = None, run_id: int | None = None) -> None:
    """Go to the Review page on one sample, or on one run's samples."""
    if run_id is not None:
        st.session_state[KEY_REVIEW_RUN] = run_id
    if sample_id is not None:
        st.session_state[KEY_REVIEW_SAMPLE] = sample_id
    go(PAGE_REVIEW, {QUERY_SAMPLE: str(sample_id)} if sample_id is not None else None)


def take(key: str) -> Any:
    """The value another page left under `key`, removed so it acts once (None when there is none)."""
    return st.session_state.pop(key, None)
