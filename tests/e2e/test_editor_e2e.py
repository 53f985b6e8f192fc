"""The Editor in a real browser: create a leaf with five seeds (quick double clicks count twice),
survive a refresh, save it, find it valid on the Taxonomy page and open it back in the Editor.

Run it under load as CI does: `LABUI_E2E_LOAD=2 pytest tests/e2e/test_editor_e2e.py` (both cores busy).
Every wait is for a state of the page, never for a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from labui.taxonomy.load import load_taxonomy
from tests.e2e.conftest import TIMEOUT, screenshot, shell_shown, wait_idle, wait_text

pytestmark = pytest.mark.e2e

LEAF = "compositional_skills/writing/poetry/limerick"
ANIMALS = ["cat", "dog", "owl", "fox", "eel"]


def _type(page: Any, locator: Any, text: str, *, in_preview: bool = True) -> None:
    """Type into a field and wait until the server has it: the YAML preview shows the text."""
    # focus, not click: a neighbouring field's "Press Enter to submit form" hint can cover this one.
    locator.focus()
    locator.fill(text)
    locator.press("Tab")  # text areas commit on blur
    expect(locator).to_have_value(text, timeout=TIMEOUT)
    if in_preview:
        expect(page.get_by_test_id("stCode").first).to_contain_text(text.split("\n")[0], timeout=TIMEOUT)
    wait_idle(page)


def _questions(page: Any) -> Any:
    return page.get_by_role("textbox", name="Question", exact=True)


def test_create_a_leaf_with_five_seeds_and_find_it_valid(
    start_app: Any, page: Any, sample_taxonomy: Path
) -> None:
    server = start_app(sample_taxonomy)
    page.goto(server.url)
    shell_shown(page)
    wait_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Editor", exact=True).click()
    page.get_by_role("heading", name="Editor").wait_for(timeout=TIMEOUT)
    wait_idle(page)

    # A new leaf: branch, folder, kind, author.
    page.get_by_role("button", name="New leaf").click()
    popover = page.get_by_test_id("stPopoverBody")
    _type(
        page,
        popover.get_by_role("textbox", name="Folder below the branch"),
        "writing/poetry/limerick",
        in_preview=False,
    )
    _type(page, popover.get_by_role("textbox", name="Created by"), "e2e-curator", in_preview=False)
    popover.get_by_role("button", name="Start editing").click()
    page.get_by_role("heading", name=LEAF).wait_for(timeout=TIMEOUT)
    wait_idle(page)
    page.keyboard.press("Escape")

    _type(
        page,
        page.get_by_role("textbox", name="Task description"),
        "Writing limericks: five lines, AABBA, with a twist.",
    )
    # Quick second clicks, sent while the page reruns for the first: every click adds a seed.
    add = page.get_by_role("button", name="Add a seed example")
    for expected, clicks in ((2, 2), (4, 2), (5, 1)):
        for _ in range(clicks):
            add.click()
        expect(_questions(page)).to_have_count(expected, timeout=TIMEOUT)
        wait_idle(page)
        expect(_questions(page)).to_have_count(expected, timeout=TIMEOUT)  # and no extra one later
    for i, animal in enumerate(ANIMALS):
        _type(page, _questions(page).nth(i), f"Write a limerick about a {animal}.")
        _type(
            page,
            page.get_by_role("textbox", name="Answer", exact=True).nth(i),
            f"A limerick line one {i}\nline two\nline three\nline four\nline five",
        )
    wait_text(page, "enough seed examples")
    # Every edit has reached the server (the last answer too: Save is enabled only when all are filled).
    save = page.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_enabled(timeout=TIMEOUT)

    # A browser refresh loses nothing: the leaf and this tab's draft token are in the URL.
    assert "leaf=compositional_skills" in page.url and "drafts=" in page.url
    page.reload()
    wait_text(page, "Restored your unsaved changes")
    wait_idle(page)
    expect(_questions(page)).to_have_count(5, timeout=TIMEOUT)
    expect(_questions(page).nth(4)).to_have_value("Write a limerick about a eel.")
    wait_text(page, "enough seed examples")
    page.set_viewport_size({"width": 1440, "height": 3000})
    wait_idle(page)
    screenshot(page, "editor_new_leaf")

    expect(save).to_be_enabled(timeout=TIMEOUT)
    save.click()
    wait_text(page, "Saved compositional_skills/writing/poetry/limerick/qna.yaml")
    wait_idle(page)
    leaf = load_taxonomy(sample_taxonomy).leaf(LEAF)
    assert leaf is not None and leaf.errors == 0 and leaf.seed_count == 5
    assert [s.question for s in leaf.seeds] == [f"Write a limerick about a {a}." for a in ANIMALS]

    # The Taxonomy page sees it, valid.
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(server.url)  # the Taxonomy page is the app's default page
    shell_shown(page)
    wait_idle(page)
    box = page.get_by_test_id("stSelectbox").filter(has_text="Leaf").first
    box.locator("input").click()
    box.locator("input").fill(LEAF)
    page.get_by_role("option", name=LEAF).first.click()
    wait_idle(page)
    wait_text(page, "No problems: this leaf passes the strict checks")
    screenshot(page, "editor_leaf_on_taxonomy_page")

    # And back: the Taxonomy page's "Open in Editor" opens it here, in sync with the disk.
    page.get_by_role("button", name="Open in Editor").click()
    page.get_by_role("heading", name="Editor").wait_for(timeout=TIMEOUT)
    wait_text(page, "Saved: the file on disk is what you see.")
    expect(_questions(page)).to_have_count(5, timeout=TIMEOUT)
