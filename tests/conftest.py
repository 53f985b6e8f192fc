"""Shared fixtures: the real public data beside the project, and throwaway copies of taxonomies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE_TAXONOMY = ROOT / "taxonomy"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden"


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"{path} is missing: put the shared data beside the project (../shared/data) to run this test"
        )
    return path


@pytest.fixture(scope="session")
def real_taxonomy() -> Path:
    """The public InstructLab taxonomy of July 2024 (148 leaves), read-only."""
    return _shared(SHARED_DATA / "instructlab-taxonomy-2024-07")


@pytest.fixture(scope="session")
def seed_tasks() -> Path:
    """175 human-written self-instruct tasks (JSONL), a real "existing dataset"."""
    return _shared(SHARED_DATA / "self-instruct-seed-tasks" / "seed_tasks.jsonl")


@pytest.fixture
def sample_taxonomy(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample taxonomy."""
    dest = tmp_path / "taxonomy"
    shutil.copytree(SAMPLE_TAXONOMY, dest)
    return dest


@pytest.fixture
def real_taxonomy_copy(tmp_path: Path, real_taxonomy: Path) -> Path:
    """A writable copy of the real taxonomy."""
    dest = tmp_path / "real"
    shutil.copytree(real_taxonomy, dest)
    return dest


@pytest.fixture(autouse=True)
def _isolated_workspace(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's workspace database (drafts, embedding cache) out of the user's home."""
    monkeypatch.setenv("LABUI_WORKSPACE", str(tmp_path_factory.mktemp("workspace")))
