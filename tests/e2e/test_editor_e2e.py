"""The Editor in a real browser: create a leaf with five seeds, save it, find it valid on the Taxonomy page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from labui.taxonomy.tree import load_taxonomy
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

LEAF = "compositional_skills/writing/poetry/limerick"
TIMEOUT = 90_000


def _idle(page: Any) -> None:
    """No script run in progress (Streamlit shows its status widget while one runs)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSpinner\"]')",
        timeout=TIMEOUT,
    )


def _type(page: Any, locator: Any, text: str) -> None:
    # focus, not click: a neighbouring field's "Press Enter to submit form" hint can cover this one.
    locator.focus()
    locator.fill(text)
    locator.press("Tab")  # text areas commit on blur
    _idle(page)


def test_create_a_leaf_with_five_seeds_and_find_it_valid(
    start_app: Any, page: Any, sample_taxonomy: Path
) -> None:
    server = start_app(sample_taxonomy)
    page.goto(server.url)
    # Wait for app.py's own run (its sidebar input) so the navigation is the app's, then click.
    page.get_by_role("textbox", name="Taxonomy folder").wait_for(timeout=TIMEOUT)
    _idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Editor", exact=True).click()
    page.get_by_role("heading", name="Editor").wait_for(timeout=TIMEOUT)
    _idle(page)

    # A new leaf: branch, folder, kind, author.
    page.get_by_role("button", name="New leaf").click()
    popover = page.get_by_test_id("stPopoverBody")
    _type(page, popover.get_by_role("textbox", name="Folder below the branch"), "writing/poetry/limerick")
    _type(page, popover.get_by_role("textbox", name="Created by"), "e2e-curator")
    popover.get_by_role("button", name="Start editing").click()
    page.get_by_role("heading", name=LEAF).wait_for(timeout=TIMEOUT)
    _idle(page)
    page.keyboard.press("Escape")

    _type(
        page,
        page.get_by_role("textbox", name="Task description"),
        "Writing limericks: five lines, AABBA, with a twist.",
    )
    for _ in range(5):
        page.get_by_role("button", name="Add a seed example").click()
        _idle(page)
    for i in range(5):
        _type(
            page,
            page.get_by_role("textbox", name="Question", exact=True).nth(i),
            f"Write a limerick about a {['cat', 'dog', 'owl', 'fox', 'eel'][i]}.",
        )
        _type(
            page,
            page.get_by_role("textbox", name="Answer", exact=True).nth(i),
            f"A limerick line one {i}\nline two\nline three\nline four\nline five",
        )
    page.get_by_text("enough seed examples").wait_for(timeout=TIMEOUT)
    # Every edit has reached the server (the last answer too: Save is enabled only when all are filled).
    save = page.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_enabled(timeout=TIMEOUT)

    # A browser refresh loses nothing: the leaf is in the URL, the edits in the workspace draft.
    assert "leaf=compositional_skills" in page.url
    page.reload()
    page.get_by_text("Restored your unsaved changes").wait_for(timeout=TIMEOUT)
    _idle(page)
    assert page.get_by_role("textbox", name="Question", exact=True).nth(4).input_value() == (
        "Write a limerick about a eel."
    )
    page.get_by_text("enough seed examples").wait_for(timeout=TIMEOUT)
    page.set_viewport_size({"width": 1440, "height": 3000})
    _idle(page)
    screenshot(page, "editor_new_leaf")

    expect(save).to_be_enabled(timeout=TIMEOUT)
    save.click()
    page.get_by_text("Saved compositional_skills/writing/poetry/limerick/qna.yaml").wait_for(timeout=TIMEOUT)
    _idle(page)
    leaf = load_taxonomy(sample_taxonomy).leaf(LEAF)
    assert leaf is not None and leaf.errors == 0 and leaf.seed_count == 5

    # The Taxonomy page sees it, valid.
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(server.url)  # the Taxonomy page is the app's default page
    _idle(page)
    box = page.get_by_test_id("stSelectbox").filter(has_text="Leaf").first
    box.locator("input").click()
    box.locator("input").fill(LEAF)
    page.get_by_role("option", name=LEAF).first.click()
    _idle(page)
    page.get_by_text("No problems: this leaf passes the strict checks").wait_for(timeout=TIMEOUT)
    page.get_by_role("heading").filter(has_text=LEAF).first.wait_for(timeout=TIMEOUT)
    screenshot(page, "editor_leaf_on_taxonomy_page")

    # And back: the Taxonomy page's "Open in Editor" opens it here, in sync with the disk.
    page.get_by_role("button", name="Open in Editor").click()
    page.get_by_role("heading", name="Editor").wait_for(timeout=TIMEOUT)
    page.get_by_text("Saved: the file on disk is what you see.").wait_for(timeout=TIMEOUT)
    questions = page.get_by_role("textbox", name="Question", exact=True)
    questions.nth(4).wait_for(timeout=TIMEOUT)  # the cards render after the status box
    assert questions.count() == 5
