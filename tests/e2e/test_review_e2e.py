"""The Review page in a real browser: decide with the keyboard, undo, edit, bulk-reject a filter,
restore from the trash, and find every decision again after a refresh; hostile sample text stays text.

Every wait is for a state of the page or of the store, never for a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from labui.store.db import DB_NAME, Store
from labui.store.review import Filter, current_decision, status_counts
from tests.e2e.conftest import TIMEOUT, wait_idle, wait_text
from tests.review.support import add_run, add_samples, clean

pytestmark = pytest.mark.e2e
EVIL = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"> [link](http://evil.example)"


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT / 1000
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _status(store: Store, sid: int) -> str:
    dec = current_decision(store, sid)
    return dec.status if dec else "new"


def _key(page: Any, key: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")  # shortcuts skip text boxes
    page.keyboard.press(key)


def test_review_with_the_keyboard_edit_undo_bulk_trash_refresh(
    start_app: Any, page: Any, sample_taxonomy: Path, tmp_path: Path
) -> None:
    store = Store(tmp_path / "workspace" / DB_NAME)  # the workspace start_app gives the server
    run = add_run(store)
    items = [
        *clean(4),
        {"question": "What does the puffin eat?", "answer": "The puffin eats small fish."},
        {"question": "Where does the puffin nest?", "answer": "The puffin nests in burrows on cliffs."},
        {"question": EVIL, "answer": EVIL},
    ]
    ids = add_samples(store, run, items)
    server = start_app(sample_taxonomy)
    page.goto(server.url + "/review")
    page.get_by_role("heading", name="Review").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    reviewer = page.get_by_role("textbox", name="Reviewer")
    reviewer.fill("e2e-ana")
    reviewer.press("Enter")
    page.get_by_text("Deciding as").wait_for(timeout=TIMEOUT)  # the name reached the server
    wait_idle(page)
    page.get_by_text(f"Sample #{ids[0]} · new").wait_for(timeout=TIMEOUT)

    _key(page, "a")  # accept: the next sample comes up
    page.get_by_text(f"Sample #{ids[1]} · new").wait_for(timeout=TIMEOUT)
    assert _status(store, ids[0]) == "accepted"
    assert current_decision(store, ids[0]).reviewer == "e2e-ana"  # type: ignore[union-attr]
    _key(page, "x")  # reject
    page.get_by_text(f"Sample #{ids[2]} · new").wait_for(timeout=TIMEOUT)
    assert _status(store, ids[1]) == "rejected"
    # The counts at the top of the focus view follow its decisions, drawn once, not stacked.
    metrics = page.get_by_test_id("stMetric")
    for status, n in (("new", 5), ("accepted", 1), ("rejected", 1)):
        metrics.filter(has_text=status).get_by_text(str(n), exact=True).wait_for(timeout=TIMEOUT)
    expect(metrics).to_have_count(4)
    # So do the other tabs: opening one reruns the page (the trash holds the sample just rejected).
    page.get_by_role("tab", name="Trash").click()
    expect(page.get_by_role("button", name="Restore")).to_have_count(1, timeout=TIMEOUT)
    page.get_by_role("tab", name="Focus").click()
    wait_idle(page)
    page.get_by_text(f"Sample #{ids[2]} · new").wait_for(timeout=TIMEOUT)
    _key(page, "u")  # undo brings the rejected one back
    page.get_by_text(f"Sample #{ids[1]} · new").wait_for(timeout=TIMEOUT)
    assert _status(store, ids[1]) == "new"

    _key(page, "e")  # edit in place
    answer = page.get_by_role("textbox", name="Answer")
    answer.wait_for(timeout=TIMEOUT)
    answer.fill("An edited answer, better than before.")
    answer.press("Tab")
    wait_idle(page)
    page.get_by_role("button", name="Save edit").click()
    page.get_by_text(f"Sample #{ids[1]} · edited").wait_for(timeout=TIMEOUT)
    page.get_by_text("Diff from the generated text").wait_for(timeout=TIMEOUT)
    _until(lambda: _status(store, ids[1]) == "edited", "the edit in the store")

    # Bulk: every match of a search, with the count typed to confirm.
    search = page.get_by_role("textbox", name="Search")
    search.fill("puffin")
    search.press("Enter")
    wait_idle(page)
    page.get_by_role("tab", name="Bulk").click()
    wait_text(page, "2 sample(s) match the filter")
    confirm = page.get_by_role("spinbutton", name="Type the count to confirm")
    confirm.fill("2")
    confirm.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Bulk reject").click()
    _until(
        lambda: _status(store, ids[4]) == "rejected" and _status(store, ids[5]) == "rejected",
        "the bulk reject",
    )

    # The trash: restore one.
    page.get_by_role("tab", name="Trash").click()
    restore = page.get_by_role("button", name="Restore")
    expect(restore).to_have_count(2, timeout=TIMEOUT)
    restore.first.click()
    _until(lambda: _status(store, ids[4]) == "new", "the restore")

    # The hostile sample is shown as text, and nothing in it ran.
    search.fill("")
    search.press("Enter")
    wait_idle(page)
    counts = status_counts(store, Filter())
    assert counts == {"new": 4, "accepted": 1, "rejected": 1, "edited": 1}

    page.reload()  # every decision is still there
    page.get_by_role("heading", name="Review").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    for status, n in counts.items():  # the focus view's counts
        metric = page.get_by_test_id("stMetric").filter(has_text=status)
        metric.get_by_text(str(n), exact=True).wait_for(timeout=TIMEOUT)
    page.get_by_role("tab", name="Queue").click()
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=TIMEOUT)
    page.get_by_role("tab", name="Focus").click()
    page.goto(server.url + f"/review?sample={ids[6]}")
    page.get_by_text(f"Sample #{ids[6]}").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    page.get_by_text(EVIL, exact=True).first.wait_for(timeout=TIMEOUT)
    assert page.title() != "pwned"
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href='http://evil.example']").count() == 0


def test_a_row_picked_in_the_queue_opens_in_the_focus_view(
    start_app: Any, page: Any, sample_taxonomy: Path, tmp_path: Path
) -> None:
    store = Store(tmp_path / "workspace" / DB_NAME)
    ids = add_samples(store, add_run(store), clean(5))
    server = start_app(sample_taxonomy)
    page.goto(server.url + "/review")
    page.get_by_text(f"Sample #{ids[0]} · new").wait_for(timeout=TIMEOUT)
    wait_idle(page)
    page.get_by_role("tab", name="Queue").click()
    wait_text(page, "Pick a row to open it")
    wait_idle(page)  # the rerun that opening the tab asked for is over
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for(timeout=TIMEOUT)
    box = table.bounding_box()
    assert box is not None
    row_height = 35  # Streamlit's table rows (and its header) are 35 px high
    # The row's selection box, in the left margin of the 4th row.
    page.mouse.click(box["x"] + 12, box["y"] + row_height * 4 + row_height / 2)
    page.get_by_text(f"Sample #{ids[3]} · new").wait_for(timeout=TIMEOUT)
    expect(page.get_by_role("tab", name="Focus")).to_have_attribute("aria-selected", "true")
    # Move on, then pick the same row again: it opens again (a table that kept the row selected would
    # take the second click as a deselection and open nothing).
    wait_idle(page)
    page.get_by_role("button", name="Skip").click()
    page.get_by_text(f"Sample #{ids[3]} · new").wait_for(state="detached", timeout=TIMEOUT)
    wait_idle(page)
    page.get_by_role("tab", name="Queue").click()
    wait_text(page, "Pick a row to open it")
    wait_idle(page)
    page.mouse.click(box["x"] + 12, box["y"] + row_height * 4 + row_height / 2)
    page.get_by_text(f"Sample #{ids[3]} · new").wait_for(timeout=TIMEOUT)
    expect(page.get_by_role("tab", name="Focus")).to_have_attribute("aria-selected", "true")
