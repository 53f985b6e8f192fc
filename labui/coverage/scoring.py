"""Scoring real items against leaves: each item's top-k leaves and similarities under a representation.

How an item is scored against a leaf (the "leaf representation") was chosen by measurement on a
hand-labelled held-out set of requests (bench/bench_representation.py; figures in README): the
default `blend` is the mean of (a) the best cosine similarity to any one of the leaf's seed questions
(or its examples beyond the seeds, when the index has them) and (b) the cosine similarity to the
leaf's describe text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labui.coverage.embed import Progress
from labui.coverage.index import TaxonomyIndex, normalise

BLEND_WEIGHT = 0.5  # weight of the best-seed similarity in `blend`; the rest goes to the describe text
# An item is covered when its score against its best leaf (a cosine similarity, or the mean of two
# under `blend`) is at least this. Read off the real tree (bench/bench_representation.py): it is the
# 25th percentile of held-out requests the tree plainly covers (about 3 in 4 of those pass), while the
# median self-instruct task (most ask for things the tree has no leaf for) scores 0.31.
DEFAULT_THRESHOLD = 0.35
TOP_K = 3
SCORE_CHUNK = 4096  # items scored per matrix product: bounds memory at chunk x seeds floats


def _best_per_leaf(starts: np.ndarray, n_leaves: int, sims: np.ndarray) -> np.ndarray:
    """Per leaf, the maximum over its columns of `sims` (n, S) grouped by `starts`; -1 for none."""
    out = np.full((sims.shape[0], n_leaves), -1.0, dtype=np.float32)
    counts = np.diff(starts)
    has = np.flatnonzero(counts > 0)
    if len(has):
        out[:, has] = np.maximum.reduceat(sims, starts[has], axis=1)
    return out


def _best_example(index: TaxonomyIndex, x: np.ndarray) -> np.ndarray:
    """Per leaf, the best similarity to one of its seed questions or its examples beyond them."""
    n_leaves = len(index.leaves)
    best = _best_per_leaf(index.seed_start, n_leaves, x @ index.seed_vectors.T)
    if index.example_start is not None:
        best = np.maximum(best, _best_per_leaf(index.example_start, n_leaves, x @ index.example_vectors.T))
    return best


def leaf_scores(index: TaxonomyIndex, vectors: np.ndarray, representation: str | None = None) -> np.ndarray:
    """(n, L) score of each vector against each leaf under a representation (see module doc)."""
    rep = representation or index.representation
    x = np.asarray(vectors, dtype=np.float32)
    if rep == "describe":
        return x @ index.describe_vectors.T
    if rep == "centroid":
        return x @ index.centroids().T
    if rep == "centroid+describe":
        return x @ normalise(index.centroids() + index.describe_vectors).T
    desc = x @ index.describe_vectors.T
    best = _best_example(index, x)
    if rep == "maxsim":
        return np.maximum(best, desc)
    if rep == "blend":
        # A leaf without seeds is judged by its describe text alone.
        return np.where(best < -0.5, desc, BLEND_WEIGHT * best + (1 - BLEND_WEIGHT) * desc)
    raise ValueError(f"unknown representation {rep!r}")


@dataclass(slots=True)
class Scores:
    top: np.ndarray  # (n, k) leaf indices, best first
    similarity: np.ndarray  # (n, k)

    @property
    def best(self) -> np.ndarray:
        return self.top[:, 0]

    @property
    def best_similarity(self) -> np.ndarray:
        return self.similarity[:, 0]

    @classmethod
    def concat(cls, parts: list[Scores], k: int) -> Scores:
        """The scores of consecutive batches as one (an empty list gives no rows of width k)."""
        if not parts:
            return cls(np.zeros((0, k), dtype=np.int64), np.zeros((0, k), dtype=np.float32))
        return cls(np.concatenate([p.top for p in parts]), np.concatenate([p.similarity for p in parts]))


def score_items(
    index: TaxonomyIndex, vectors: np.ndarray, k: int = TOP_K, progress: Progress | None = None
) -> Scores:
    """Top-k leaves of every item, in chunks so memory stays flat however many items there are."""
    n = len(vectors)
    k = max(1, min(k, len(index.leaves)))
    top = np.zeros((n, k), dtype=np.int64)
    sim = np.zeros((n, k), dtype=np.float32)
    for start in range(0, n, SCORE_CHUNK):
        s = leaf_scores(index, vectors[start : start + SCORE_CHUNK])
        part = (
            np.argpartition(-s, k - 1, axis=1)[:, :k]
            if k < s.shape[1]
            else np.tile(np.arange(k), (len(s), 1))
        )
        psim = np.take_along_axis(s, part, axis=1)
        order = np.argsort(-psim, axis=1, kind="stable")
        top[start : start + len(s)] = np.take_along_axis(part, order, axis=1)
        sim[start : start + len(s)] = np.take_along_axis(psim, order, axis=1)
        if progress is not None:
            progress(min(start + SCORE_CHUNK, n), n)
    return Scores(top, sim)
