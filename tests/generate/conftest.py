"""Fixtures of the generation tests: the scripted teacher, a workspace, the bundled taxonomy loaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from labui.store.db import Store
from labui.taxonomy import Taxonomy, load_taxonomy
from tests.generate.scripted import Script, ScriptedServer

MODEL = "scripted-teacher"


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    """A factory: `scripted(latency=..., rates=..., ...)` starts a scripted server, stopped at teardown."""
    servers: list[ScriptedServer] = []

    def start(**kwargs: object) -> ScriptedServer:
        server = ScriptedServer(Script(**kwargs))  # type: ignore[arg-type]
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "workspace"
    monkeypatch.setenv("LABUI_WORKSPACE", str(ws))
    for var in ("LABUI_TEACHER_URL", "LABUI_TEACHER_MODEL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return ws


@pytest.fixture
def store(workspace: Path) -> Store:
    return Store(workspace / "workspace.sqlite")


@pytest.fixture
def taxonomy(sample_taxonomy: Path) -> Taxonomy:
    return load_taxonomy(sample_taxonomy)
