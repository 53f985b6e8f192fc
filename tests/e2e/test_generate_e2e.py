"""Generate in a real browser against the scripted teacher: start a run, refresh mid-run, see it finish."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labui.store import samples as db
from labui.store.db import Store
from tests.e2e.conftest import screenshot, wait_idle
from tests.generate.scripted import Script, ScriptedServer

pytestmark = pytest.mark.e2e

TIMEOUT = 90_000
N = 60


@pytest.fixture
def teacher(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    with ScriptedServer(Script(latency=0.1)) as server:
        monkeypatch.setenv("LABUI_TEACHER_URL", server.url)  # the app's defaults for the Teacher fields
        monkeypatch.setenv("LABUI_TEACHER_MODEL", "scripted-teacher")
        yield server


def test_start_refresh_mid_run_and_see_it_finish(
    start_app: Any, page: Any, sample_taxonomy: Path, teacher: ScriptedServer, tmp_path: Path
) -> None:
    app = start_app(sample_taxonomy)
    page.goto(f"{app.url}/generate")
    page.get_by_role("heading", name="Generate").wait_for(timeout=TIMEOUT)
    wait_idle(page)
    leaves = page.get_by_test_id("stMultiSelect").locator("input")
    leaves.click()
    leaves.fill("haiku")
    leaves.press("Enter")
    wait_idle(page)
    page.keyboard.press("Escape")
    for name, value in (("Samples per leaf", str(N)), ("Concurrency", "2")):
        box = page.get_by_role("spinbutton", name=name)
        box.fill(value)
        box.press("Tab")
        wait_idle(page)
    page.get_by_role("button", name="Start generating").click()
    page.get_by_text(re.compile(rf"^[1-9]\d* of {N} samples$")).first.wait_for(timeout=TIMEOUT)
    store = Store(tmp_path / "workspace" / "workspace.sqlite")
    mid = sum(1 for _ in db.iter_samples(store))
    assert 0 < mid < N, "the refresh must come mid-run"

    page.reload()
    page.get_by_role("heading", name="Generate").wait_for(timeout=TIMEOUT)
    page.get_by_text(f"{N} of {N} samples").first.wait_for(timeout=TIMEOUT)
    screenshot(page, "generate-finished")
    assert sum(1 for _ in db.iter_samples(store)) == N
    page.get_by_text(re.compile(r"Run #1 · finished")).first.wait_for(timeout=TIMEOUT)
