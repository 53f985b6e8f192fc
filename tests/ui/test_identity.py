"""The sidebar's "Your name" (labui.ui.identity): checked, kept across pages and a refresh, refused when bad."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labui.errors import UsageError
from labui.ui import identity, nav
from tests.ui.support import open_app


def _box(at: AppTest) -> object:
    return at.sidebar.text_input(key=identity.KEY_BOX)


def _errors(at: AppTest) -> list[str]:
    """The sidebar's error boxes as a reader sees them (the text arrives escaped: `\\.` shows as `.`)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.sidebar.error]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("  ana  ", "ana"), ("Zoë Ndiaye-Ōta", "Zoë Ndiaye-Ōta"), ("x" * 64, "x" * 64), ("   ", "")],
)
def test_good_names_are_trimmed(typed: str, kept: str) -> None:
    assert identity.check_name(typed) == kept


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("y" * 65, "at most 64 characters; this one has 65"),
        ("ana\nbo", "control characters"),
        ("ana\tbo", "control characters"),
        ("ana\u202egnp.exe", "control characters"),  # a right-to-left override
        ("ana\x00", "control characters"),
    ],
)
def test_bad_names_are_refused_saying_why(typed: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        identity.check_name(typed)


def test_the_name_is_kept_across_pages_and_a_refresh(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path
) -> None:
    at = open_app(monkeypatch, sample_taxonomy)
    box = at.sidebar.text_input(key=identity.KEY_BOX)
    assert box.label == "Your name" and box.value == ""
    assert nav.QUERY_NAME not in at.query_params
    box.set_value("  ana ").run()
    assert at.session_state[nav.KEY_USER_NAME] == "ana"
    assert at.query_params[nav.QUERY_NAME] == "ana"
    assert at.sidebar.text_input(key=identity.KEY_BOX).value == "ana"
    for page in (nav.PAGE_EDITOR, nav.PAGE_REVIEW, nav.PAGE_TAXONOMY):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.sidebar.text_input(key=identity.KEY_BOX).value == "ana", page
        assert at.query_params[nav.QUERY_NAME] == "ana", page  # a page switch does not drop it
    # A refresh: a new session with only the URL.
    again = open_app(monkeypatch, sample_taxonomy, query={nav.QUERY_NAME: "ana"})
    assert again.sidebar.text_input(key=identity.KEY_BOX).value == "ana"
    assert again.session_state[nav.KEY_USER_NAME] == "ana"
    # Emptied: no name, and the URL forgets it.
    again.sidebar.text_input(key=identity.KEY_BOX).set_value("").run()
    assert again.session_state[nav.KEY_USER_NAME] == ""
    assert nav.QUERY_NAME not in again.query_params


def test_a_bad_name_is_refused_and_the_old_one_kept(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path
) -> None:
    at = open_app(monkeypatch, sample_taxonomy)
    at.sidebar.text_input(key=identity.KEY_BOX).set_value("ana").run()
    at.sidebar.text_input(key=identity.KEY_BOX).set_value("a" * 80).run()
    assert at.session_state[nav.KEY_USER_NAME] == "ana"
    assert at.sidebar.text_input(key=identity.KEY_BOX).value == "ana"
    (why,) = _errors(at)
    assert "not changed" in why and "at most 64 characters" in why
    at.run()
    assert _errors(at) == []  # said once


def test_a_bad_name_in_the_link_is_not_used(monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path) -> None:
    at = open_app(monkeypatch, sample_taxonomy, query={nav.QUERY_NAME: "ana\u0007"})
    assert at.session_state[nav.KEY_USER_NAME] == ""
    assert nav.QUERY_NAME not in at.query_params
    (why,) = _errors(at)
    assert "name in the link was not used" in why and "U+0007" in why


def test_a_hostile_name_is_shown_as_text(monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path) -> None:
    evil = "![x](http://evil.example/p.png)"
    at = open_app(monkeypatch, sample_taxonomy, query={nav.QUERY_NAME: evil})
    assert at.session_state[nav.KEY_USER_NAME] == evil
    at.switch_page(nav.PAGE_REVIEW).run()
    said = [c.value for c in at.caption if "Deciding as" in c.value]
    assert len(said) == 1 and "![x](" not in said[0] and "\\!\\[x\\]" in said[0]
