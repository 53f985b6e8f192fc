"""The Export page in a real browser: counts, write to a folder, download the zip, the card as text."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from labui.store.db import DB_NAME, Store
from labui.store.review import decide
from tests.e2e.conftest import TIMEOUT, wait_idle, wait_text
from tests.export.support import HAIKU, add_run, add_sample, build

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
