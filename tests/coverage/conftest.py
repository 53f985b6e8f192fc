"""Fixtures of the coverage tests: sentence-transformers itself, the reference the fast path must match."""

from __future__ import annotations

from typing import Any

import pytest

from labui.coverage.embed import resolve_model


@pytest.fixture(scope="session")
def st_model() -> Any:
    """The bundled all-MiniLM-L6-v2 loaded by sentence-transformers (on CPU), as the fallback would."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model("all-MiniLM-L6-v2"), device="cpu")
