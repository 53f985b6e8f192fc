"""Start the real app with `streamlit run` on a free port and drive it with Playwright in Debian's Chromium.

Under load: `LABUI_E2E_LOAD=2 pytest tests/e2e` starts two busy-loop processes for the whole session
(both cores of a small CI machine busy), the condition in which quick clicks used to be dropped.
Wait for states with the helpers below (`wait_idle`, `wait_text`, playwright's `expect`), never sleeps.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LABUI_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "screenshots"

pytestmark = pytest.mark.e2e
TIMEOUT = 90_000  # ms: a cold start of the app under load, with the encoder loading, fits in this


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    def __init__(self, taxonomy: Path, workspace: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, LABUI_TAXONOMY=str(taxonomy), LABUI_WORKSPACE=str(workspace))
        # The server's output goes to a file beside the workspace: a pipe nobody reads fills up and then
        # blocks the server on its next log line.
        self.log = workspace.parent / f"streamlit-{self.port}.log"
        with self.log.open("wb") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(ROOT / "app.py"),
                    "--server.port",
                    str(self.port),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                    # The code does not change during a test (others may be editing the checkout).
                    "--server.fileWatcherType",
                    "none",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("streamlit did not become healthy within 60 s")

    def log_tail(self, limit: int = 4000) -> str:
        return self.log.read_text("utf-8", errors="replace")[-limit:]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def start_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Call with a taxonomy folder; returns a running AppServer (stopped after the test, its log
    printed when the test failed)."""
    servers: list[AppServer] = []

    def start(taxonomy: Path) -> AppServer:
        server = AppServer(taxonomy, tmp_path / "workspace")
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()
        if request.node.stash.get(_FAILED, False):
            print(f"--- the end of {s.log.name} ---\n{s.log_tail()}")


@pytest.fixture(scope="session", autouse=True)
def cpu_load() -> Iterator[int]:
    """LABUI_E2E_LOAD=N keeps N extra processes spinning for the whole session (0 by default)."""
    n = int(os.environ.get("LABUI_E2E_LOAD", "0") or 0)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    yield n
    for proc in spinners:
        proc.kill()
        proc.wait()


def wait_idle(page: Any, timeout: int = TIMEOUT) -> None:
    """The app is connected and no script run is in progress or asked for (Streamlit's own state)."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.dataset.testConnectionState === 'CONNECTED'
                && app.dataset.testScriptState === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""",
        timeout=timeout,
    )


def wait_text(page: Any, text: str, timeout: int = TIMEOUT) -> Any:
    """The first element showing `text`, once it is visible."""
    found = page.get_by_text(text).first
    found.wait_for(timeout=timeout)
    return found


def shell_shown(page: Any, timeout: int = TIMEOUT) -> None:
    """The app's own shell is drawn: the folder box and the app's navigation (not Streamlit's automatic one)."""
    page.get_by_role("textbox", name="Taxonomy folder").wait_for(timeout=timeout)
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("Taxonomy", exact=True).wait_for(timeout=timeout)


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in the worker's main
# thread while it is open, and asyncio.run() refuses to start beside it. Closing the browser when a
# module's tests end lets the other tests the same xdist worker runs next (generation) use asyncio.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    # The frontend's own errors: a script error can blank the whole page, which a screenshot shows
    # but cannot explain.
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    pg.on(
        "console",
        lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None,
    )
    yield pg
    if request.node.stash.get(_FAILED, False):
        # What the browser showed when the test failed: the first thing to look at.
        print(f"screenshot of the failure: {screenshot(pg, 'FAILED-' + request.node.name)}")
        print("\n".join(errors[-20:]) or "no errors in the browser console")
    context.close()


def screenshot(pg: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    out = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(out), full_page=True)
    return out
