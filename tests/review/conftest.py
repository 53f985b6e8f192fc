"""Fixtures of the review tests: a workspace store beside a copy of the sample taxonomy."""

from __future__ import annotations

from pathlib import Path

import pytest

from labui.coverage.embed import SentenceTransformerEmbedder
from labui.store import Store


@pytest.fixture
def store(sample_taxonomy: Path) -> Store:
    return Store.for_taxonomy(sample_taxonomy)


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEmbedder:
    """The real offline encoder (all-MiniLM-L6-v2 from its package), loaded once."""
    return SentenceTransformerEmbedder(device="cpu")
