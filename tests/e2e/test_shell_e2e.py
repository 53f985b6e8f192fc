"""Deep links in a real browser: every page's address, opened first thing on a fresh server or refreshed,
shows the app's shell (sidebar, the app's navigation, the chosen taxonomy) and keeps what is typed.

The first request to a fresh server is the case that broke: Streamlit then still runs its automatic
`pages/` navigation, which drew the page without the shell (see labui/ui/shell.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import TIMEOUT, shell_shown, wait_idle

pytestmark = pytest.mark.e2e

LEAF = "compositional_skills/writing/poetry/haiku"
# address → what that page shows once drawn (a heading of its own)
PAGES = {
    "/": "Taxonomy",
    "/editor": "Editor",
    "/coverage": "Coverage",
    f"/editor?leaf={quote(LEAF)}": LEAF,
    f"/?leaf={quote(LEAF)}": LEAF,
}
APP_PAGES = ("Taxonomy", "Editor", "Coverage")


def _assert_shell(page: Any, taxonomy: Path, heading: str) -> None:
    shell_shown(page)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    names = [t.split()[-1] for t in links.all_inner_texts()]  # after the icon's ligature name
    # The app's navigation, not Streamlit's automatic one (which lists app, coverage, editor, taxonomy).
    assert all(name in names for name in APP_PAGES), names
    assert not {"app", "editor", "coverage", "taxonomy"} & set(names), names
    folder = page.get_by_role("textbox", name="Taxonomy folder")
    assert folder.input_value() == str(taxonomy)
    page.get_by_test_id("stSidebar").get_by_text(str(taxonomy.resolve())).wait_for(timeout=TIMEOUT)


@pytest.mark.parametrize("address", list(PAGES))
def test_deep_link_shows_the_shell(
    start_app: Any, browser: Any, sample_taxonomy: Path, tmp_path: Path, address: str
) -> None:
    assert (sample_taxonomy / LEAF / "qna.yaml").is_file()
    server = start_app(sample_taxonomy)  # fresh: this address is the server's very first request
    heading = PAGES[address]
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = context.new_page()
        page.goto(server.url + address)
        _assert_shell(page, sample_taxonomy, heading)
        path = address.split("?")[0]
        assert page.url.startswith(server.url + path)

        # What is typed right after the first load counts: another folder, then back.
        other = tmp_path / "other"
        other.mkdir()
        folder = page.get_by_role("textbox", name="Taxonomy folder")
        folder.fill(str(other))
        folder.press("Enter")
        page.get_by_test_id("stSidebar").get_by_text("does not look like an InstructLab taxonomy").wait_for(
            timeout=TIMEOUT
        )
        wait_idle(page)
        assert folder.input_value() == str(other)
        folder.fill(str(sample_taxonomy))
        folder.press("Enter")
        page.get_by_test_id("stSidebar").get_by_text(str(sample_taxonomy.resolve())).wait_for(timeout=TIMEOUT)
        wait_idle(page)

        # A refresh is a new session on the same address: the same full app.
        page.reload()
        _assert_shell(page, sample_taxonomy, heading)
        assert page.url.startswith(server.url + path)
    finally:
        context.close()


def test_two_fresh_sessions_at_once(start_app: Any, browser: Any, sample_taxonomy: Path) -> None:
    """Two tabs opening different pages of a fresh server at the same moment both get the shell."""
    server = start_app(sample_taxonomy)
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1000}) for _ in range(2)]
    try:
        pages = [c.new_page() for c in contexts]
        for pg, address in zip(pages, ("/editor", "/coverage"), strict=True):
            pg.goto(server.url + address, wait_until="commit")
        for pg, heading in zip(pages, ("Editor", "Coverage"), strict=True):
            _assert_shell(pg, sample_taxonomy, heading)
    finally:
        for c in contexts:
            c.close()
