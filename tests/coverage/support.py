"""The real encoder, loaded once per test process and shared by every coverage test module."""

from __future__ import annotations

import functools

from labui.coverage.embed import SentenceTransformerEmbedder


@functools.cache
def real_encoder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()
