"""Copies of something outside the run: a seed example of the tree, or a real record the user gave
(distance to closest record below the real data's own 5th percentile, or 13+ words verbatim)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labui.review.dedup import (
    NEAR_THRESHOLD,
    SEMANTIC_THRESHOLD,
    NearIndex,
    Signature,
    minhashes,
    normalise,
    shingles,
    signatures,
)

VERBATIM_WORDS = 13
DCR_PERCENTILE = 5.0
DCR_MIN_RECORDS = 20  # below this the real data's own percentile says nothing; only verbatim runs count


@dataclass(frozen=True, slots=True)
class SeedText:
    leaf_path: str
    number: int  # 1-based, as the leaf lists them
    question: str
    whole: str

    def ref(self, leaf_path: str) -> str:
        where = "this leaf" if self.leaf_path == leaf_path else self.leaf_path
        return f"seed {self.number} of {where}"


class SeedIndex:
    """Every seed of the tree by the three measures: exact, near (Jaccard) and cosine."""

    def __init__(
        self,
        seeds: Sequence[SeedText],
        vectors: np.ndarray | None = None,
        near: float = NEAR_THRESHOLD,
        cosine: float = SEMANTIC_THRESHOLD,
    ) -> None:
        self.seeds = list(seeds)
        self.cosine = cosine
        self._exact: dict[str, int] = {}
        for i, s in enumerate(self.seeds):
            for text in (s.question, s.whole):
                self._exact.setdefault(normalise(text), i)
        self._near = NearIndex(near)
        sets = [shingles(s.whole) for s in self.seeds]
        for i, (sset, mh) in enumerate(zip(sets, minhashes(sets), strict=True)):
            self._near.add(i, sset, mh)
        self._vectors = vectors

    def match(
        self,
        leaf_path: str,
        question: str,
        whole: str,
        vector: np.ndarray | None = None,
        sig: Signature | None = None,
    ) -> tuple[SeedText, str, float] | None:
        """(seed, measure text, score) of the closest seed at or above a threshold; the leaf's own
        seeds win ties."""
        for text, what in ((whole, "the whole sample"), (question, "the question")):
            key = normalise(text)
            if key and key in self._exact:
                return self.seeds[self._exact[key]], f"same text as {what}", 1.0
        sset, mh = sig or signatures([whole])[0]
        hit = self._near.best(sset, mh) if self.seeds else None
        if hit is not None:
            return self.seeds[int(hit[0])], "Jaccard", hit[1]  # type: ignore[call-overload]
        if vector is not None and self._vectors is not None and len(self.seeds):
            sims = self._vectors @ vector
            own = np.array([s.leaf_path == leaf_path for s in self.seeds])
            best = int(np.argmax(sims + own * 1e-6))
            if sims[best] >= self.cosine:
                return self.seeds[best], "cosine", round(float(min(sims[best], 1.0)), 3)
        return None


def _grams(text: str, n: int = VERBATIM_WORDS) -> list[int]:
    toks = normalise(text).split()
    return [hash(tuple(toks[i : i + n])) for i in range(len(toks) - n + 1)]


class RealIndex:
    """The user's real records: nearest-record distance (cosine distance) and verbatim word runs."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray | None) -> None:
        self.texts = list(texts)
        self._grams: dict[int, int] = {}
        for i, t in enumerate(self.texts):
            for g in _grams(t):
                self._grams.setdefault(g, i)
        self._index = None
        self.threshold = 0.0
        self._real_nn: np.ndarray = np.zeros(0)
        if vectors is not None and len(vectors) >= DCR_MIN_RECORDS:
            import faiss

            vecs = np.ascontiguousarray(vectors, dtype=np.float32)
            self._index = faiss.IndexFlatIP(vecs.shape[1])
            self._index.add(vecs)
            sims, nbrs = self._index.search(vecs, 2)
            # Nearest other record: skip the record itself (its own row may not come first on ties).
            own = nbrs[:, 0] == np.arange(len(vecs))
            nn = np.where(own, sims[:, 1], sims[:, 0])
            self._real_nn = np.sort(1.0 - nn)
            self.threshold = float(np.percentile(self._real_nn, DCR_PERCENTILE))

    def verbatim(self, text: str) -> int | None:
        for g in _grams(text):
            if g in self._grams:
                return self._grams[g]
        return None

    def closest(self, vector: np.ndarray) -> tuple[int, float, float] | None:
        """(record, distance, percentile of that distance among real-to-real distances)."""
        if self._index is None:
            return None
        sims, nbrs = self._index.search(np.ascontiguousarray(vector[None, :], dtype=np.float32), 1)
        dist = max(0.0, 1.0 - float(sims[0, 0]))
        pct = 100.0 * float(np.searchsorted(self._real_nn, dist)) / len(self._real_nn)
        return int(nbrs[0, 0]), dist, pct
