"""The Taxonomy page in a real browser: the real 148-leaf taxonomy, the tree drawn, a broken leaf pointed out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import screenshot, shell_shown, wait_idle

pytestmark = pytest.mark.e2e

BROKEN = "knowledge/technical_manual/ibm_redbooks"
MESSAGE = "Version 1 is not supported for knowledge"
LOAD_TIMEOUT = 90_000


def _wait_ready(page: Any, taxonomy_shown: bool = True) -> None:
    """The app's shell is drawn (with the taxonomy's summary) and no script run is in progress."""
    shell_shown(page, timeout=LOAD_TIMEOUT)
    if taxonomy_shown:
        page.wait_for_selector('[data-testid="stMetric"]', timeout=LOAD_TIMEOUT)
    wait_idle(page, timeout=LOAD_TIMEOUT)


def _choose_leaf(page: Any, path: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text="Leaf").first
    box.locator("input").click()
    box.locator("input").fill(path)
    page.get_by_role("option", name=path).first.click()


def test_real_taxonomy_page(start_app: Any, page: Any, real_taxonomy: Path) -> None:
    server = start_app(real_taxonomy)
    page.goto(server.url)
    _wait_ready(page)

    # The summary counts what is on disk, and the tree is drawn by plotly.
    metrics = page.get_by_test_id("stMetric")
    assert metrics.filter(has_text="Leaves").first.inner_text().split()[-1] == "148"
    page.wait_for_selector(".js-plotly-plot .sunburstlayer path", timeout=LOAD_TIMEOUT)
    assert page.locator(".js-plotly-plot .sunburstlayer path").count() > 100

    _choose_leaf(page, BROKEN)
    _wait_ready(page)
    diag = page.get_by_text(MESSAGE).first
    diag.wait_for(timeout=LOAD_TIMEOUT)
    card = page.locator(".st-key-tx_diag_0")
    assert "line 1" in card.inner_text() and "1:1" in card.inner_text()
    # The excerpt shows the offending first line of the file, marked (code blocks render a moment later).
    excerpt = card.locator("pre")
    excerpt.wait_for(timeout=LOAD_TIMEOUT)
    assert "> 1 | created_by: IBM Research" in excerpt.text_content()
    assert f"leaf={BROKEN}" in page.url.replace("%2F", "/")
    # Streamlit scrolls inside its own container: a tall viewport puts the whole page in the picture.
    page.set_viewport_size({"width": 1440, "height": 2600})
    _wait_ready(page)
    screenshot(page, "taxonomy_real")


def test_click_on_a_leaf_in_the_chart_opens_it(start_app: Any, page: Any, real_taxonomy: Path) -> None:
    from labui.taxonomy import load_taxonomy

    leaves = {leaf.path for leaf in load_taxonomy(real_taxonomy).leaves}
    server = start_app(real_taxonomy)
    page.goto(server.url)
    _wait_ready(page)
    page.wait_for_selector(".js-plotly-plot .sunburstlayer path", timeout=LOAD_TIMEOUT)
    # The sectors whose label is drawn (too small ones are hidden), widest first: [id, slice index, ...].
    sectors = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot .sunburstlayer g.slice')]
            .map((s, i) => [s.__data__.data.data.id, i, s.__data__.x1 - s.__data__.x0,
                            s.querySelector('text') ? s.querySelector('text').getBoundingClientRect().width : 0])
            .filter(x => x[3] > 4).sort((a, b) => b[2] - a[2])"""
    )
    target, index = next((sid, i) for sid, i, _, _ in sectors if sid in leaves)
    label = page.locator(".js-plotly-plot .sunburstlayer g.slice").nth(index).locator("text")
    box = label.bounding_box()
    assert box is not None
    # The label sits inside its sector; a real mouse click there is what a curator does.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_role("heading", name=target).wait_for(timeout=LOAD_TIMEOUT)
    _wait_ready(page)
    # The URL follows the page (a message of its own from the server), so the leaf can be linked to.
    page.wait_for_function(
        "t => new URLSearchParams(location.search).get('leaf') === t", arg=target, timeout=LOAD_TIMEOUT
    )


def test_deep_link_opens_leaf(start_app: Any, page: Any, real_taxonomy: Path) -> None:
    server = start_app(real_taxonomy)
    page.goto(f"{server.url}/?leaf=knowledge/textbook/history/ibm_history")
    _wait_ready(page)
    page.get_by_text(MESSAGE).first.wait_for(timeout=LOAD_TIMEOUT)
    assert page.get_by_text("knowledge/textbook/history/ibm_history").first.is_visible()


def test_sidebar_folder(
    start_app: Any, page: Any, real_taxonomy: Path, sample_taxonomy: Path, tmp_path: Path
) -> None:
    """The folder typed in the sidebar is what the page shows, it survives reruns, a bad one is a message."""
    server = start_app(real_taxonomy)
    page.goto(server.url)
    _wait_ready(page)
    folder = page.locator('[data-testid="stSidebar"] input').first
    assert folder.input_value() == str(real_taxonomy)

    folder.fill(str(tmp_path / "nowhere"))
    folder.press("Enter")
    page.get_by_text("does not exist").first.wait_for(timeout=LOAD_TIMEOUT)
    # The old tree goes once the rerun ends (Streamlit keeps stale elements until then).
    page.locator(".js-plotly-plot").first.wait_for(state="detached", timeout=LOAD_TIMEOUT)
    _wait_ready(page, taxonomy_shown=False)

    folder.fill(str(sample_taxonomy))
    folder.press("Enter")
    page.get_by_role("heading", name="Taxonomy").filter(has_text=sample_taxonomy.name).wait_for(
        timeout=LOAD_TIMEOUT
    )
    _wait_ready(page)
    n = len(list(sample_taxonomy.rglob("qna.yaml")))
    leaves = page.get_by_test_id("stMetric").filter(has_text="Leaves").first
    assert leaves.inner_text().split()[-1] == str(n)

    # Another rerun (switching the chart) keeps the chosen folder.
    page.get_by_text("Treemap").click()
    page.wait_for_selector(".js-plotly-plot .treemaplayer", timeout=LOAD_TIMEOUT)
    _wait_ready(page)
    assert folder.input_value() == str(sample_taxonomy)
    assert leaves.inner_text().split()[-1] == str(n)


def test_quick_clicks_all_count(start_app: Any, page: Any, real_taxonomy: Path) -> None:
    """Two "Show" clicks in a row, the second while the first one's rerun runs: the last one wins."""
    server = start_app(real_taxonomy)
    page.goto(server.url)
    _wait_ready(page)
    shows = page.locator(".st-key-tx_attention").get_by_role("button", name="Show")
    first, second = shows.nth(0), shows.nth(1)
    second.wait_for(timeout=LOAD_TIMEOUT)
    first.click()
    second.click()  # no wait: the page is rerunning for the first click
    _wait_ready(page)
    target = "knowledge/textbook/history/ibm_history"
    page.get_by_role("heading", name=target).wait_for(timeout=LOAD_TIMEOUT)
    assert f"leaf={target}" in page.url.replace("%2F", "/")

    # Open in Editor right after: the click is kept across the page switch, the URL names the leaf.
    page.get_by_role("button", name="Open in Editor").click()
    page.get_by_role("heading", name="Editor").wait_for(timeout=LOAD_TIMEOUT)
    page.wait_for_function(
        "t => new URLSearchParams(location.search).get('leaf') === t", arg=target, timeout=LOAD_TIMEOUT
    )
    shell_shown(page)
