"""The Coverage page in a real browser: the real taxonomy against the 175 self-instruct tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 240_000  # a cold cache embeds ~900 texts on a CPU


def _idle(page: Any, timeout: int) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSpinner\"]')",
        timeout=timeout,
    )


def test_coverage_page_real_data(start_app: Any, page: Any, real_taxonomy: Path, seed_tasks: Path) -> None:
    server = start_app(real_taxonomy)
    page.goto(server.url)
    # Wait for app.py to have run (its sidebar input), so the navigation is the app's own.
    page.get_by_role("textbox", name="Taxonomy folder").wait_for(timeout=90_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Coverage", exact=True).click()
    page.get_by_role("button", name="Analyse coverage").wait_for(timeout=90_000)
    field = page.get_by_role("textbox", name="Data files")
    field.fill(str(seed_tasks))
    field.press("Enter")
    _idle(page, 30_000)
    page.get_by_role("button", name="Analyse coverage").click()
    page.get_by_text("Gaps in the tree").wait_for(timeout=RUN_TIMEOUT)
    _idle(page, RUN_TIMEOUT)
    page.wait_for_selector(".js-plotly-plot .sunburstlayer", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer, .js-plotly-plot canvas", timeout=30_000)

    metrics = page.get_by_test_id("stMetric")
    assert "175" in metrics.filter(has_text="Real items").inner_text()
    clusters = page.get_by_role("button", name="Create leaf from cluster")
    clusters.nth(2).wait_for(timeout=30_000)  # at least three clusters, drawn after the charts
    # The page says which device embedded the texts.
    assert (
        page.get_by_text("on cpu", exact=False).count() + page.get_by_text("on cuda", exact=False).count()
        >= 1
    )
    page.set_viewport_size({"width": 1440, "height": 2600})  # the app scrolls inside; show all of it
    _idle(page, 30_000)
    shot = screenshot(page, "coverage-real")
    assert shot.stat().st_size > 50_000

    # A cluster becomes a new leaf in the Editor.
    clusters.first.click()
    page.wait_for_url("**/editor", timeout=30_000)
