"""A curator's tour: open every page of the running app in Chromium and keep a full-page screenshot of each.

Not a test: a look at the pages as a user sees them (`screenshots/tour-*.png`, git-ignored).

    LABUI_WORKSPACE=WS python -m tests.e2e.tour TAXONOMY_DIR [WS]

The taxonomy should have generated samples in the workspace (labui generate, then labui gates).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import CHROMIUM, TIMEOUT, AppServer, screenshot, shell_shown, wait_idle

REAL_DATA = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "self-instruct-seed-tasks" / "seed_tasks.jsonl"
)
PAGES = [
    ("taxonomy", ""),
    ("editor-empty", "/editor"),
    ("editor-leaf", "/editor?leaf=compositional_skills/writing/poetry/haiku"),
    ("coverage", "/coverage"),
    ("generate", "/generate"),
    ("review", "/review"),
    ("export", "/export"),
]

_TABLES_DRAWN = """() => [...document.querySelectorAll('[data-testid=stDataFrame] canvas')].every(c => {
    if (!c.width || !c.height) return false;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < px.length; i += 4 * 97) if (px[i] < 120 && px[i + 3] > 0) return true;
    return false;
})"""


def full(page: Any, name: str) -> Path:
    """A screenshot of the whole page: the viewport grown to the main area's height (it scrolls inside)."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebar]')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": 1440, "height": min(8000, max(900, int(height) + 40))})
    wait_idle(page)
    # Tables draw their cells on a canvas after the script run: wait until each canvas shows some ink.
    try:
        page.wait_for_function(_TABLES_DRAWN, timeout=TIMEOUT)
    except Exception:  # a table with no dark ink at all (one empty row): take the picture anyway
        print(f"tour-{name}: a table showed no ink; screenshot taken as it is", file=sys.stderr)
    out = screenshot(page, f"tour-{name}")
    page.set_viewport_size({"width": 1440, "height": 1000})
    return out


def _coverage(page: Any) -> None:
    """Analyse the sample taxonomy against the self-instruct seed tasks (real public requests)."""
    if REAL_DATA.exists():
        box = page.get_by_role("textbox", name="Data files")
        box.fill(str(REAL_DATA))
        box.press("Enter")
    else:
        page.get_by_text("No real data (taxonomy only)").click()
    wait_idle(page)
    page.get_by_role("button", name="Analyse coverage").click()
    page.get_by_text("Thin leaves").first.wait_for(timeout=TIMEOUT * 3)
    wait_idle(page, TIMEOUT * 3)


def tour(taxonomy: Path, workspace: Path, extra: dict[str, Any] | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = AppServer(taxonomy, workspace)
    shots: list[Path] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            for name, path in PAGES:
                page.goto(server.url + path)
                shell_shown(page)
                wait_idle(page)
                page.get_by_role("heading").first.wait_for(timeout=TIMEOUT)
                wait_idle(page)
                shots.append(full(page, name))
                if name == "coverage":
                    _coverage(page)
                    shots.append(full(page, "coverage-results"))
                if name == "export":
                    page.get_by_role("button", name="Write export").click()
                    page.get_by_text("Exported").first.wait_for(timeout=TIMEOUT)
                    wait_idle(page)
                    shots.append(full(page, "export-written"))
                if name == "review":
                    for tab in ("Queue", "Trash", "Bulk", "Gates", "Similar", "Agreement"):
                        page.get_by_role("tab", name=tab).click()
                        wait_idle(page)
                        shots.append(full(page, f"review-{tab.lower()}"))
            browser.close()
    finally:
        server.stop()
    return shots


if __name__ == "__main__":
    tx = Path(sys.argv[1])
    ws = Path(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("LABUI_WORKSPACE", tx / ".labui"))
    for shot in tour(tx, ws):
        print(shot)
