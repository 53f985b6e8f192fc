"""The encoder and the embedding cache, with the real all-MiniLM-L6-v2 and a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labui.coverage import embed
from labui.coverage.embed import CachedEmbedder, Embedder, SentenceTransformerEmbedder, pick_device
from labui.errors import UsageError
from labui.fsio import sha256_text
from labui.store import Store
from labui.store import db as store_db
from tests.coverage.support import real_encoder

TEXTS = [
    "Write a haiku about the sea.",
    "Compose a short poem of three lines about waves.",
    "Convert 10 miles to kilometres.",
    "What is the capital of France?",
]


@pytest.fixture
def encoder() -> SentenceTransformerEmbedder:
    return real_encoder()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "ws" / "workspace.sqlite")


class Renamed:
    """The real encoder under another model name (as a second model would be cached)."""

    def __init__(self, inner: Embedder, name: str) -> None:
        self.inner, self._name = inner, name

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def device(self) -> str:
        return self.inner.device

    def encode(self, texts, progress=None):
        return self.inner.encode(texts, progress)


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"), [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
def test_device_auto_prefers_cuda_then_mps_then_cpu(
    monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool, expected: str
) -> None:
    import torch

    # The hardware probe is the boundary: each machine this runs on has one answer, the rule has three.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert pick_device("auto") == expected
    assert pick_device("cpu") == "cpu"
    if not cuda:
        with pytest.raises(UsageError, match="CUDA"):
            pick_device("cuda")
    if not mps:
        with pytest.raises(UsageError, match="mps"):
            pick_device("mps")
    with pytest.raises(UsageError, match="unknown device"):
        pick_device("tpu")


def test_encoder_is_protocol_and_normalised(encoder: SentenceTransformerEmbedder) -> None:
    assert isinstance(encoder, Embedder)
    assert encoder.name == embed.DEFAULT_MODEL and encoder.dim == 384
    assert encoder.device == pick_device("auto")
    vecs = encoder.encode(TEXTS)
    assert vecs.shape == (4, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs.T
    # The two poem requests are closer to each other than to the conversion or the capital.
    assert sims[0, 1] > sims[0, 2] and sims[0, 1] > sims[0, 3]


def test_encoder_matches_sentence_transformers_in_input_order(
    encoder: SentenceTransformerEmbedder, st_model
) -> None:
    # labui sorts by length and chunks for progress; the rows must still line up with the input.
    texts = [t * (i % 3 + 1) for i, t in enumerate(TEXTS * 3)]
    ours = encoder.encode(texts)
    direct = st_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(ours, direct, atol=2e-5)


def test_progress_reaches_total(
    encoder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "PROGRESS_CHUNK_BATCHES", 1)
    calls: list[tuple[int, int]] = []
    encoder.batch_size, old = 2, encoder.batch_size
    try:
        encoder.encode([*TEXTS, "one more"], lambda d, t: calls.append((d, t)))
    finally:
        encoder.batch_size = old
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_empty_input_and_bad_batch(encoder: SentenceTransformerEmbedder) -> None:
    assert encoder.encode([]).shape == (0, 384)
    with pytest.raises(UsageError, match="batch size"):
        SentenceTransformerEmbedder(batch_size=0)


def test_cache_second_call_embeds_nothing(encoder: SentenceTransformerEmbedder, store: Store) -> None:
    cached = CachedEmbedder(encoder, store)
    first = cached.encode([*TEXTS, TEXTS[0]])  # a repeated text is embedded once
    assert (cached.last.hits, cached.last.misses) == (0, 4)
    second = cached.encode(list(reversed(TEXTS)))
    assert (cached.last.hits, cached.last.misses) == (4, 0)
    np.testing.assert_array_equal(second, first[:4][::-1])  # float32 bytes round-trip exactly
    np.testing.assert_array_equal(first[4], first[0])
    # Only the new text is embedded.
    cached.encode([*TEXTS, "A brand new request."])
    assert (cached.last.hits, cached.last.misses) == (4, 1)
    assert (cached.stats.hits, cached.stats.misses) == (8, 5)
    assert cached.cached_count() == 5


def test_cache_persists_and_is_keyed_by_model(encoder: SentenceTransformerEmbedder, store: Store) -> None:
    CachedEmbedder(encoder, store).encode(TEXTS)
    again = CachedEmbedder(encoder, Store(store.path))  # a new process would open the file like this
    again.encode(TEXTS)
    assert again.last.misses == 0
    other = CachedEmbedder(Renamed(encoder, "another-model"), store)
    other.encode(TEXTS)
    assert (other.last.hits, other.last.misses) == (0, 4)
    with store.connect() as db:
        models = {m for (m,) in db.execute("SELECT DISTINCT model FROM embeddings")}
        (blob,) = db.execute(
            "SELECT vector FROM embeddings WHERE sha256 = ?", (sha256_text(TEXTS[0]),)
        ).fetchone()
    assert models == {embed.DEFAULT_MODEL, "another-model"}
    assert len(blob) == 384 * 4


def test_cache_lookup_in_chunks(
    encoder: SentenceTransformerEmbedder, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "SQL_CHUNK", 3)  # force several IN queries
    texts = [f"request number {i}" for i in range(10)]
    cached = CachedEmbedder(encoder, store)
    first = cached.encode(texts)
    second = cached.encode(texts)
    assert cached.last.hits == 10 and cached.last.misses == 0
    np.testing.assert_array_equal(first, second)
