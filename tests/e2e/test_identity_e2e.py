"""The sidebar's "Your name" in real browsers: two browsers under the same name share an Editor draft,
a third under another name is told whose draft it is (and keeps the file until it takes it over).

Run it under load as CI does: `LABUI_E2E_LOAD=2 pytest tests/e2e/test_identity_e2e.py` (both cores busy).
Every wait is for a state of the page, never for a time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from labui.editing import drafts
from labui.store.db import DB_NAME, Store
from tests.e2e.conftest import TIMEOUT, screenshot, shell_shown, wait_idle, wait_text

pytestmark = pytest.mark.e2e

HAIKU = "compositional_skills/writing/poetry/haiku"
SHARED = "A question Ana left unsaved?"


def _open(browser: Any, url: str) -> Any:
    """A browser of its own (another person, or the same person elsewhere) on `url`, once drawn."""
    context = browser.new_context(viewport={"width": 1440, "height": 1200})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    shell_shown(page)
    page.get_by_role("heading", name="Editor").wait_for(timeout=TIMEOUT)
    wait_idle(page)
    return page


def _give_name(page: Any, name: str) -> None:
    box = page.get_by_role("textbox", name="Your name")
    box.fill(name)
    box.press("Enter")
    # The server has it: the URL keeps it.
    expect(page).to_have_url(re.compile(rf"[?&]name={re.escape(quote(name))}(&|$)"), timeout=TIMEOUT)
    wait_idle(page)


def _question(page: Any) -> Any:
    return page.get_by_role("textbox", name="Question", exact=True).nth(1)


def test_the_same_name_shares_a_draft_and_another_name_sees_whose_it_is(
    start_app: Any, browser: Any, sample_taxonomy: Path, tmp_path: Path
) -> None:
    server = start_app(sample_taxonomy)
    store = Store(tmp_path / "workspace" / DB_NAME)  # the workspace start_app gives the server
    editor = f"{server.url}/editor?leaf={HAIKU}"
    pages: list[Any] = []
    try:
        # Ana, in one browser: names herself, edits a seed and leaves it unsaved.
        ana = _open(browser, editor)
        pages.append(ana)
        _give_name(ana, "e2e-ana")
        original = _question(ana).input_value()
        _question(ana).fill(SHARED)
        _question(ana).press("Tab")
        expect(ana.get_by_test_id("stCode").first).to_contain_text(SHARED, timeout=TIMEOUT)
        wait_idle(ana)
        # The draft is kept before the preview is drawn: it is in the workspace, under her name.
        assert [d.owner for d in drafts.list_drafts(store)] == ["reviewer:e2e-ana"]

        # Ana again, in another browser: before she names herself the draft is someone else's …
        again = _open(browser, editor)
        pages.append(again)
        wait_text(again, "e2e-ana's draft, ")
        expect(_question(again)).to_have_value(original)
        # … and once she does, it is hers: her unsaved question is back.
        _give_name(again, "e2e-ana")
        wait_text(again, "Restored your unsaved changes")
        expect(_question(again)).to_have_value(SHARED, timeout=TIMEOUT)
        expect(again.get_by_text("e2e-ana's draft, ")).to_have_count(0)

        # Bo, with his name in the link: told whose draft it is and since when; the file is his to edit.
        bo = _open(browser, f"{editor}&name=e2e-bo")
        pages.append(bo)
        expect(bo.get_by_role("textbox", name="Your name")).to_have_value("e2e-bo")
        notice = wait_text(bo, "e2e-ana's draft, ")
        expect(notice).to_contain_text("UTC")
        expect(bo.get_by_role("button", name="Take it over")).to_be_visible()
        expect(bo.get_by_role("button", name="Start fresh")).to_be_visible()
        expect(_question(bo)).to_have_value(original)
        screenshot(bo, "identity_someone_elses_draft")
        assert [d.owner for d in drafts.list_drafts(store)] == ["reviewer:e2e-ana"]
    finally:
        for page in pages:
            page.context.close()
