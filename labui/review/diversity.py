"""Diversity of a set of embeddings: Vendi score (divided by n) and mean pairwise cosine distance."""

from __future__ import annotations

import numpy as np

NARROWER = 0.9  # a run whose mean distance is below 90% of its reference is called narrower


def vendi_per_n(vectors: np.ndarray) -> float:
    """exp(entropy of the eigenvalues of K/n) / n, K the cosine kernel: 1/n (all alike) .. 1 (all
    orthogonal). The eigenvalues come from the smaller of the n×n and d×d Gram matrices."""
    n = len(vectors)
    if n == 0:
        return 0.0
    x = vectors.astype(np.float64)
    gram = x @ x.T if n <= x.shape[1] else x.T @ x  # the smaller side: same non-zero eigenvalues
    eig = np.linalg.eigvalsh(gram / n)
    eig = eig[eig > 1e-12]
    eig = eig / eig.sum()
    return float(np.exp(-(eig * np.log(eig)).sum()) / n)


def mean_distance(vectors: np.ndarray) -> float:
    """Mean cosine distance over all pairs of distinct rows (rows L2-normalised)."""
    n = len(vectors)
    if n < 2:
        return 0.0
    total = vectors.astype(np.float64).sum(axis=0)
    mean_sim = (float(total @ total) - n) / (n * (n - 1))
    return 1.0 - mean_sim


def narrower_warning(
    run_id: int, mpd: float, seed_mpd: float | None, previous: tuple[int, float] | None
) -> str:
    parts = []
    if seed_mpd is not None and seed_mpd > 0 and mpd < NARROWER * seed_mpd:
        parts.append(f"run {run_id} is narrower than its seeds (mean distance {mpd:.2f} vs {seed_mpd:.2f})")
    if previous is not None and previous[1] > 0 and mpd < NARROWER * previous[1]:
        parts.append(f"run {run_id} is narrower than run {previous[0]} ({mpd:.2f} vs {previous[1]:.2f})")
    return "; ".join(parts)
