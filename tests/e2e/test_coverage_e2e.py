"""The Coverage page in a real browser: the real taxonomy against the 175 self-instruct tasks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import screenshot, shell_shown, wait_idle

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 240_000  # a cold cache embeds ~900 texts on a CPU
FIRST_SECOND = 5_000  # counts must be on screen at once, not after the embedding (slack for load)


def test_coverage_page_real_data(start_app: Any, page: Any, real_taxonomy: Path, seed_tasks: Path) -> None:
    server = start_app(real_taxonomy)
    page.goto(server.url)
    shell_shown(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Coverage", exact=True).click()
    page.get_by_role("button", name="Analyse coverage").wait_for(timeout=90_000)
    # What is known without the encoder shows before anything is embedded.
    leaves = page.get_by_test_id("stMetric").filter(has_text="Leaves")
    leaves.wait_for(timeout=FIRST_SECOND)
    assert "148" in leaves.inner_text()
    field = page.get_by_role("textbox", name="Data files")
    field.fill(str(seed_tasks))
    field.press("Enter")
    wait_idle(page, 30_000)
    page.get_by_role("button", name="Analyse coverage").click()
    # On a cold cache the run takes minutes: its counts are on screen from its first second.
    # (attached, not visible: on a warm cache the status box has already folded itself away)
    page.get_by_text("148 leaves · 175 real items", exact=False).first.wait_for(
        state="attached", timeout=FIRST_SECOND
    )
    page.get_by_text("Gaps in the tree").wait_for(timeout=RUN_TIMEOUT)
    wait_idle(page, RUN_TIMEOUT)
    page.wait_for_selector(".js-plotly-plot .sunburstlayer", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer, .js-plotly-plot canvas", timeout=30_000)

    metrics = page.get_by_test_id("stMetric")
    assert "175" in metrics.filter(has_text="Real items").inner_text()
    # The sunburst draws the tree's branches; the map's legend splits the real items.
    sunburst = page.locator(".js-plotly-plot .sunburstlayer").first.text_content() or ""
    assert "compositional_skills" in sunburst and "knowledge" in sunburst
    legend = " ".join(page.locator(".js-plotly-plot .legendtext").all_text_contents())
    assert "not covered (" in legend and "covered (" in legend
    clusters = page.get_by_role("button", name="Create leaf from cluster")
    clusters.nth(2).wait_for(timeout=30_000)  # at least three clusters, drawn after the charts
    # The page says which device embedded the texts.
    assert (
        page.get_by_text("on cpu", exact=False).count() + page.get_by_text("on cuda", exact=False).count()
        >= 1
    )
    page.set_viewport_size({"width": 1440, "height": 2600})  # the app scrolls inside; show all of it
    wait_idle(page, 30_000)
    screenshot(page, "coverage-real")  # for the README; the assertions above and below are the test

    # A cluster becomes a new leaf in the Editor.
    clusters.first.click()
    # The Editor's address, whatever the query carries (the drafts token, the leaf).
    page.wait_for_url(re.compile(r"/editor(\?.*)?$"), timeout=30_000)
