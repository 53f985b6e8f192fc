"""A big taxonomy's load in a real browser: counts while it loads, "Cancel loading" stops it (and its
worker processes) at once, the app says how far it got, and "Load again" loads the whole tree.

The tree is generated once per module (bench/gen_taxonomy.py: copies of real leaves), big enough that
its load takes several seconds here; every wait is for a state of the page or of the processes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, screenshot, shell_shown, wait_idle

pytestmark = pytest.mark.e2e

LEAVES = int(os.environ.get("LABUI_E2E_BIG_LEAVES", "6000"))
LOAD_TIMEOUT = 240_000  # ms: the whole tree validated with both cores busy (LABUI_E2E_LOAD=2)
COUNTS = re.compile(r"([\d,]+) of ([\d,]+) validated")


@pytest.fixture(scope="module")
def big_taxonomy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("big") / "taxonomy"
    subprocess.run([sys.executable, "bench/gen_taxonomy.py", str(out), str(LEAVES)], cwd=ROOT, check=True)
    yield out


def _descendants(pid: int) -> dict[int, int]:
    """Every process below `pid`: {pid: parent pid} (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        parents[int(stat.parent.name)] = int(text.rsplit(")", 1)[1].split()[1])
    out: dict[int, int] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in out:
                out[child] = ppid
                frontier.append(child)
    return out


def _workers(server_pid: int) -> list[int]:
    """The loader's worker processes: children of the forkserver, itself a child of the server."""
    return [p for p, parent in _descendants(server_pid).items() if parent != server_pid]


def _wait_until(check: Any, timeout_s: float, what: str) -> None:
    """Poll a state of the machine (not of the page) until it holds."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout_s:.0f} s: {what}")
        time.sleep(0.05)


def _wait_validating(page: Any, at_least: int = 1) -> tuple[int, int]:
    """Wait until the sidebar counts show at least this many leaves validated; the counts then."""
    page.wait_for_function(
        """n => {
            const bar = document.querySelector('[data-testid="stSidebar"]');
            const m = bar && bar.innerText.match(/([\\d,]+) of ([\\d,]+) validated/);
            return m && parseInt(m[1].replace(/,/g, '')) >= n;
        }""",
        arg=at_least,
        timeout=LOAD_TIMEOUT,
    )
    found = COUNTS.search(page.get_by_test_id("stSidebar").inner_text())
    assert found is not None
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def _leaves_metric(page: Any) -> str:
    return str(page.get_by_test_id("stMetric").filter(has_text="Leaves").first.inner_text().split()[-1])


def test_cancel_a_big_load_then_load_again(start_app: Any, page: Any, big_taxonomy: Path) -> None:
    server = start_app(big_taxonomy)
    page.goto(server.url)
    shell_shown(page)
    sidebar = page.get_by_test_id("stSidebar")

    # Loading: the counts grow, the button is there, the worker processes run.
    cancel = sidebar.get_by_role("button", name="Cancel loading")
    done, total = _wait_validating(page)
    assert total == LEAVES and 0 < done < total
    assert cancel.is_visible()
    assert f"{LEAVES:,} leaves found" in sidebar.inner_text()
    assert _workers(server.proc.pid), "the batch validation runs in worker processes"
    screenshot(page, "taxonomy_loading_cancel")

    cancel.click()
    stopped = sidebar.get_by_text("Loading cancelled after")
    stopped.wait_for(timeout=LOAD_TIMEOUT)
    wait_idle(page, timeout=LOAD_TIMEOUT)
    reached = re.search(r"after ([\d,]+) of ([\d,]+) leaves", stopped.inner_text())
    assert reached is not None
    assert int(reached[1].replace(",", "")) >= done and int(reached[2].replace(",", "")) == LEAVES
    # Stopped, not restarted: no counts, no Cancel button, nothing half-loaded on the page, which
    # says why it is empty; and no worker process is left.
    assert not COUNTS.search(sidebar.inner_text())
    assert cancel.count() == 0
    assert page.get_by_test_id("stMetric").count() == 0
    page.get_by_test_id("stMain").get_by_text("Loading cancelled after").wait_for()
    _wait_until(lambda: not _workers(server.proc.pid), 10, "the worker processes end")
    screenshot(page, "taxonomy_load_cancelled")
    # The app stays cancelled through its next run (a rerun does not start the load again).
    page.get_by_role("link", name="Editor").click()
    page.get_by_role("heading", name="Editor").wait_for(timeout=LOAD_TIMEOUT)
    wait_idle(page, timeout=LOAD_TIMEOUT)
    assert sidebar.get_by_text("Loading cancelled after").is_visible()
    assert not COUNTS.search(sidebar.inner_text())
    page.get_by_role("link", name="Taxonomy").click()
    # (Every page says why it is empty: wait for the Editor to go, not only for the message.)
    page.get_by_role("heading", name="Editor").wait_for(state="detached", timeout=LOAD_TIMEOUT)
    page.get_by_test_id("stMain").get_by_text("Loading cancelled after").wait_for(timeout=LOAD_TIMEOUT)
    wait_idle(page, timeout=LOAD_TIMEOUT)

    # Load again: the whole tree, with its counts on the way.
    sidebar.get_by_role("button", name="Load again").click()
    _wait_validating(page)
    page.get_by_test_id("stMetric").filter(has_text="Leaves").first.wait_for(timeout=LOAD_TIMEOUT)
    wait_idle(page, timeout=LOAD_TIMEOUT)
    assert _leaves_metric(page).replace(",", "") == str(LEAVES)
    assert sidebar.get_by_text(str(big_taxonomy.resolve())).is_visible()
    assert "Loading cancelled" not in sidebar.inner_text()
    assert cancel.count() == 0


def test_cancel_keeps_the_taxonomy_loaded_before(
    start_app: Any, page: Any, big_taxonomy: Path, sample_taxonomy: Path
) -> None:
    n = len(list(sample_taxonomy.rglob("qna.yaml")))
    server = start_app(sample_taxonomy)
    page.goto(server.url)
    shell_shown(page)
    page.get_by_test_id("stMetric").filter(has_text="Leaves").first.wait_for(timeout=LOAD_TIMEOUT)
    wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")

    folder = page.get_by_role("textbox", name="Taxonomy folder")
    folder.fill(str(big_taxonomy))
    folder.press("Enter")
    cancel = sidebar.get_by_role("button", name="Cancel loading")
    cancel.wait_for(timeout=LOAD_TIMEOUT)
    cancel.click()
    sidebar.get_by_text("Loading cancelled").wait_for(timeout=LOAD_TIMEOUT)
    wait_idle(page, timeout=LOAD_TIMEOUT)
    assert page.get_by_test_id("stMetric").count() == 0

    sidebar.get_by_role("button", name=f"Back to {sample_taxonomy.name}").click()
    page.get_by_role("heading", name="Taxonomy").filter(has_text=sample_taxonomy.name).wait_for(
        timeout=LOAD_TIMEOUT
    )
    wait_idle(page)
    assert folder.input_value() == str(sample_taxonomy)
    assert _leaves_metric(page) == str(n)
    assert "Loading cancelled" not in sidebar.inner_text()
