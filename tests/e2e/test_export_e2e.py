"""The Export page in a real browser: counts, write to a folder, download the zip, the card as text."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from labui.export.writer import ExportOptions, export_dataset
from labui.store.db import DB_NAME, Store
from labui.store.review import Filter, decide, decide_matching
from labui.store.samples import insert_sample
from labui.taxonomy import load_taxonomy
from tests.e2e.conftest import TIMEOUT, wait_idle, wait_text
from tests.export.support import HAIKU, add_run, add_sample, build, sample_row

pytestmark = pytest.mark.e2e
EVIL = "<img src=x onerror=\"document.title='pwned'\"> **bold**"


def test_export_page_writes_and_downloads(
    start_app: Any, page: Any, sample_taxonomy: Path, tmp_path: Path
) -> None:
    store = Store(tmp_path / "workspace" / DB_NAME)  # the workspace start_app gives the server
    ws = build(store, per_leaf=4)
    for ids in ws.ids.values():
        decide(store, ids[0], "accepted", reviewer="ana")
        decide(store, ids[1], "rejected", reviewer="ana")
    run = add_run(store, teacher=EVIL)
    decide(store, add_sample(store, run, HAIKU, 0, teacher=EVIL), "accepted", reviewer=EVIL)
    server = start_app(sample_taxonomy)
    page.goto(server.url + "/export")
    page.get_by_role("heading", name="Export").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    metric = page.get_by_test_id("stMetric").filter(has_text="Samples to export")
    metric.get_by_text("4", exact=True).wait_for(timeout=TIMEOUT)
    out = tmp_path / "from-browser"
    box = page.get_by_role("textbox", name="Export folder")
    box.fill(str(out))
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Write export").click()
    wait_text(page, "Exported 4 samples")
    quality = json.loads((out / "quality.json").read_text())
    assert quality["samples"] == 4 and quality["per_leaf"][HAIKU]["statuses"]["rejected"] == 1
    wait_text(page, "Dataset card (README.md)")
    assert page.get_by_test_id("stCode").first.inner_text().startswith("---")

    page.get_by_role("button", name="Prepare a zip to download").click()
    button = page.get_by_role("button", name="Download the zip")
    button.wait_for(timeout=TIMEOUT)
    with page.expect_download() as info:
        button.click()
    target = tmp_path / "dl.zip"
    info.value.save_as(target)
    with zipfile.ZipFile(target) as zf:
        assert any(n.endswith("train.parquet") for n in zf.namelist())
    # The hostile teacher and reviewer names were text everywhere: nothing ran, no image was made.
    assert page.title() != "pwned" and page.locator("img[src='x']").count() == 0


def _many_accepted(store: Store, n: int) -> None:
    """A run of `n` accepted samples, written in one transaction (one per sample takes minutes)."""
    run = add_run(store)
    rows = [sample_row(run, HAIKU, slot) for slot in range(n)]
    with store.connect() as db:
        for row in rows:
            insert_sample(db, row)
    decide_matching(store, Filter(run_ids=(run,)), "accepted", reviewer="ana")


def test_cancel_stops_an_export_and_keeps_the_earlier_one(
    start_app: Any, page: Any, sample_taxonomy: Path, tmp_path: Path
) -> None:
    store = Store(tmp_path / "workspace" / DB_NAME)
    small = add_run(store)
    for slot in range(3):
        decide(store, add_sample(store, small, HAIKU, slot), "accepted", reviewer="ana")
    out = tmp_path / "export"
    export_dataset(store, load_taxonomy(sample_taxonomy), out, ExportOptions(run_ids=(small,)))
    _many_accepted(store, 30_000)  # an export of every run now takes many seconds
    server = start_app(sample_taxonomy)
    page.goto(server.url + "/export")
    page.get_by_role("heading", name="Export").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    page.get_by_test_id("stMetric").filter(has_text="Samples to export").get_by_text(
        "30,003", exact=True
    ).wait_for(timeout=TIMEOUT)
    box = page.get_by_role("textbox", name="Export folder")
    box.fill(str(out))
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Write export").click()
    wait_text(page, "of 30,003 samples")  # under way: the progress bar counts
    page.get_by_role("button", name="Cancel export").click()
    wait_text(page, "Export cancelled")
    wait_idle(page)  # the run that says so has ended
    # Stopped, and not started again (the click on Write, replayed into the run the Cancel click
    # started, once began a new export): no Cancel button, no progress bar.
    assert page.get_by_role("button", name="Cancel export").count() == 0
    assert page.get_by_text("Exporting…").count() == 0
    assert json.loads((out / "quality.json").read_text())["samples"] == 3  # the earlier export, whole
    assert [p.name for p in out.parent.iterdir() if ".labui-" in p.name] == []  # no temp folder left
