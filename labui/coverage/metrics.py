"""Per-leaf and per-branch metrics: seed diversity, effective seeds, thinness, demand and the gap score."""

from __future__ import annotations

import numpy as np

from labui.coverage.index import TaxonomyIndex
from labui.coverage.report import BranchMetrics, LeafMetrics, LeafOverlap
from labui.coverage.scoring import Scores

# A leaf with this many distinct-looking seeds is not thin (InstructLab asks for 5 seed examples).
TARGET_SEEDS = 5
# Mean pairwise cosine distance of seed questions that counts as "fully varied" (about the median
# over the real tree's leaves with 3 or more seeds); less varied seeds count as fewer seeds.
REF_DIVERSITY = 0.6


def diversity(vectors: np.ndarray) -> float:
    """Mean pairwise cosine distance (1 - cosine) of normalised vectors; 0 for fewer than two."""
    n = len(vectors)
    if n < 2:
        return 0.0
    sims = vectors @ vectors.T
    mean_offdiag = (float(sims.sum()) - float(np.trace(sims))) / (n * (n - 1))
    return max(0.0, 1.0 - mean_offdiag)


def effective_seeds(count: int, div: float) -> float:
    """Seeds counted by how different they are: n varied seeds count n, n near-copies count about 1."""
    if count == 0:
        return 0.0
    return 1.0 + (count - 1) * min(1.0, div / REF_DIVERSITY)


def gap_score(thinness: float, demand: int, max_demand: int) -> float:
    """thinness x (0.5 + 0.5 x demand / max demand): thin leaves score at least half their thinness,
    thin leaves that real data asks for most score it all; a leaf with enough varied seeds scores 0."""
    share = demand / max_demand if max_demand > 0 else 0.0
    return thinness * (0.5 + 0.5 * share)


def leaf_metrics(
    index: TaxonomyIndex, scores: Scores, covered: np.ndarray, overlaps: list[LeafOverlap]
) -> list[LeafMetrics]:
    """One LeafMetrics per leaf, in index order; demand counts the covered items whose best leaf it is."""
    n_leaves = len(index.leaves)
    best, best_sim = scores.best, scores.best_similarity
    demand = (
        np.bincount(best[covered], minlength=n_leaves) if len(best) else np.zeros(n_leaves, dtype=np.int64)
    )
    sim_sum = (
        np.bincount(best[covered], weights=best_sim[covered], minlength=n_leaves) if len(best) else demand
    )
    max_demand = int(demand.max()) if n_leaves else 0
    overlap_of: dict[str, list[str]] = {}
    for o in overlaps:
        overlap_of.setdefault(o.a, []).append(o.b)
        overlap_of.setdefault(o.b, []).append(o.a)
    out = []
    for i, path in enumerate(index.leaves):
        count = index.seed_count(i)
        div = diversity(index.leaf_seed_vectors(i))
        eff = effective_seeds(count, div)
        thin = 1.0 - min(1.0, eff / TARGET_SEEDS)
        d = int(demand[i])
        out.append(
            LeafMetrics(
                path=path,
                kind=index.kinds[i],
                seed_count=count,
                diversity=div,
                effective_seeds=eff,
                thinness=thin,
                demand=d,
                mean_similarity=float(sim_sum[i] / d) if d else None,
                gap=gap_score(thin, d, max_demand),
                overlaps=sorted(overlap_of.get(path, [])),
                examples=index.example_count(i),
            )
        )
    return out


def branch_metrics(index: TaxonomyIndex, leaves: list[LeafMetrics]) -> list[BranchMetrics]:
    """Every folder above a leaf: its leaves, seeds, seed diversity, demand and demand-weighted gap."""
    below: dict[str, list[int]] = {}
    for i, path in enumerate(index.leaves):
        parts = path.split("/")
        for depth in range(1, len(parts)):
            below.setdefault("/".join(parts[:depth]), []).append(i)
    out = []
    for path, members in sorted(below.items()):
        vecs = (
            np.concatenate([index.leaf_seed_vectors(i) for i in members])
            if members
            else np.zeros((0, index.dim))
        )
        weights = np.array([leaves[i].demand + 1 for i in members], dtype=np.float64)
        gaps = np.array([leaves[i].gap for i in members])
        out.append(
            BranchMetrics(
                path=path,
                leaves=len(members),
                seed_count=sum(leaves[i].seed_count for i in members),
                diversity=diversity(vecs.astype(np.float32)),
                demand=sum(leaves[i].demand for i in members),
                gap=float((gaps * weights).sum() / weights.sum()),
            )
        )
    return out
