"""Hostile text in a real browser: markup planted in a leaf and in real data stays text on every page.

A copy of the sample taxonomy gets a leaf whose fields and seeds hold a markdown image, a markdown
link, raw HTML (`<img src=...>`, `<script>`), all pointing at a listener on 127.0.0.1 that the test
runs. Every page is opened on that leaf (Taxonomy, Editor, Coverage with those rows as real data);
the listener must see no request, no live link or image may point at it, and the browser may make no
request beyond this machine (no font host, no CDN, no favicon from outside).
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.conftest import TIMEOUT, screenshot, shell_shown, wait_idle

pytestmark = pytest.mark.e2e

LEAF = "compositional_skills/hostile/markup"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
OUTSIDE = "http://198.51.100.7"  # TEST-NET-2: never routable; any request there is a leak


# Real requests far from every leaf, so that they come back as uncovered examples on the page.
FAR_REQUESTS = [
    "How long should sourdough bread proof in a cold kitchen before baking?",
    "What temperature do I bake a sourdough loaf at, and for how long?",
    "Why did my sourdough starter stop bubbling after I fed it rye flour?",
    "How do I replace the brake pads on a 2012 Honda Civic?",
    "My car makes a grinding noise when braking: are the brake pads worn?",
    "How often should the brake fluid of a car be changed?",
    "Which houseplants survive in a dark north-facing room?",
    "How often should I water a snake plant in winter?",
    "Why are the leaves of my fiddle leaf fig turning brown?",
    "How do I tune the low E string of a guitar without a tuner?",
    "What is the easiest chord progression for a beginner guitarist?",
    "How do I stop my guitar strings from buzzing on the fret?",
]


class Listener:
    """An HTTP server on 127.0.0.1 that records every request it gets (the tracking pixel's host)."""

    def __init__(self) -> None:
        seen: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.seen = seen
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.close()


def hostile(url: str, tag: str) -> str:
    """One line of every kind of markup that could make a browser fetch `url` or link to it."""
    return (
        f"![pixel]({url}/md-image-{tag}.png) [click me]({url}/md-link-{tag}) "
        f'<img src="{url}/html-img-{tag}.png"> <script>fetch("{url}/script-{tag}")</script> '
        f"![far]({OUTSIDE}/far-{tag}.png) :material/warning: $x^2$ **bold**"
    )


def _leaf_yaml(url: str) -> str:
    seeds = []
    for i in range(5):
        seeds.append(
            {
                "question": f"Seed {i} question: {hostile(url, f'q{i}')}",
                "answer": f"Answer {i}: {hostile(url, f'a{i}')}",
            }
        )
    leaf = {
        "version": 3,
        "created_by": f"attacker {hostile(url, 'author')}",
        "task_description": f"Markup that must stay text: {hostile(url, 'task')}",
        "seed_examples": seeds,
    }
    return json.dumps(leaf, indent=2)  # JSON is YAML: no quoting left to chance


@pytest.fixture
def hostile_taxonomy(sample_taxonomy: Path, listener: Listener) -> Path:
    leaf_dir = sample_taxonomy / LEAF
    leaf_dir.mkdir(parents=True)
    (leaf_dir / "qna.yaml").write_text(_leaf_yaml(listener.url), encoding="utf-8")
    return sample_taxonomy


def _watch(page: Any) -> list[str]:
    """Every request the page makes to a host other than this machine (each is also refused)."""
    outside: list[str] = []

    def on_request(request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            outside.append(request.url)

    page.on("request", on_request)
    # Nothing actually leaves during the test: requests beyond the machine are aborted (and recorded).
    page.route(
        lambda url: urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOCAL_HOSTS,
        lambda route: route.abort(),
    )
    return outside


def _no_live_markup(page: Any, listener: Listener) -> None:
    """No link, image, script or frame in the page points at the listener or beyond the machine."""
    live = page.evaluate(
        """([port, outside]) => [...document.querySelectorAll('a[href], img[src], script[src], iframe[src]')]
            .map(e => e.getAttribute('href') || e.getAttribute('src'))
            .filter(u => u.includes(':' + port) || u.startsWith(outside))""",
        [str(urlsplit(listener.url).port), OUTSIDE],
    )
    assert live == [], f"live markup from user text: {live}"


def _open_expanders(page: Any) -> None:
    """Open every closed expander on the page (their bodies hold the user text)."""
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(closed.count()):
        closed.first.click()
    wait_idle(page)


def _check(page: Any, listener: Listener, outside: list[str], where: str) -> None:
    wait_idle(page)
    _no_live_markup(page, listener)
    assert listener.seen == [], f"{where}: the page fetched {listener.seen} from the planted markup"
    assert outside == [], f"{where}: requests beyond the machine: {outside}"


def test_hostile_text_stays_text_on_every_page(
    start_app: Any, page: Any, hostile_taxonomy: Path, listener: Listener, tmp_path: Path
) -> None:
    outside = _watch(page)
    server = start_app(hostile_taxonomy)

    # Taxonomy, with the leaf open: fields, every seed expanded, the diagnostics and source tabs.
    page.goto(f"{server.url}/?leaf={quote(LEAF)}")
    shell_shown(page)
    page.get_by_role("heading", name=LEAF).wait_for(timeout=TIMEOUT)
    wait_idle(page)
    page.get_by_role("tab", name="Seed examples").click()
    page.get_by_text("Seed 0 question:").first.wait_for(timeout=TIMEOUT)
    _open_expanders(page)
    # The words stayed words: the planted markup is on the page as written.
    planted = f"[click me]({listener.url}/md-link-q0)"
    page.get_by_test_id("stText").filter(has_text=planted).first.wait_for(timeout=TIMEOUT)
    _check(page, listener, outside, "Taxonomy page")

    # The Editor on the same leaf.
    page.goto(f"{server.url}/editor?leaf={quote(LEAF)}")
    shell_shown(page)
    page.get_by_role("heading", name=LEAF).first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    _check(page, listener, outside, "Editor page")

    # Coverage, with the same markup as real data rows, analysed.
    rows = tmp_path / "hostile.jsonl"
    rows.write_text(
        "".join(
            json.dumps(
                {"instruction": f"{ask} [see](<{listener.url}/md-link-row{i}>) ![]({OUTSIDE}/r{i}.png)"}
            )
            + "\n"
            for i, ask in enumerate(FAR_REQUESTS)
        ),
        encoding="utf-8",
    )
    page.goto(f"{server.url}/coverage")
    shell_shown(page)
    page.get_by_role("heading", name="Coverage").first.wait_for(timeout=TIMEOUT)
    wait_idle(page)
    _check(page, listener, outside, "Coverage page before analysis")
    field = page.get_by_role("textbox", name="Data files")
    field.fill(str(rows))
    field.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Analyse coverage").click()
    # The rows come back as examples of requests no leaf covers (a cold encoder on a CPU is slow).
    page.get_by_text("md-link-row", exact=False).first.wait_for(state="attached", timeout=3 * TIMEOUT)
    wait_idle(page, timeout=4 * TIMEOUT)
    _open_expanders(page)
    _check(page, listener, outside, "Coverage page with results")
    screenshot(page, "hostile-coverage")
