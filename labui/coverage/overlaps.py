"""Overlapping leaves: pairs with near-duplicate seed questions or seed centroids on top of each other."""

from __future__ import annotations

from collections import Counter

import numpy as np

from labui.coverage.index import TaxonomyIndex
from labui.coverage.report import LeafOverlap

DUPLICATE_SEED = 0.95  # two seed questions in different leaves this similar are near-duplicates
OVERLAP_CENTROID = 0.90  # two leaves whose seed centroids are this similar sit on top of each other


def find_overlaps(index: TaxonomyIndex) -> list[LeafOverlap]:
    """Leaf pairs with near-duplicate seed questions or seed centroids on top of each other."""
    import faiss

    seed_leaf = index.seed_leaf
    dup_counts: Counter[tuple[int, int]] = Counter()
    best_pair: dict[tuple[int, int], tuple[int, int, float]] = {}
    if len(index.seed_vectors):
        flat = faiss.IndexFlatIP(index.dim)
        flat.add(index.seed_vectors)
        lims, dist, ids = flat.range_search(index.seed_vectors, DUPLICATE_SEED)
        for q in range(len(index.seed_vectors)):
            for j, s in zip(ids[lims[q] : lims[q + 1]], dist[lims[q] : lims[q + 1]], strict=True):
                a, b = int(seed_leaf[q]), int(seed_leaf[j])
                if a < b:
                    dup_counts[(a, b)] += 1
                    if (a, b) not in best_pair or s > best_pair[(a, b)][2]:
                        best_pair[(a, b)] = (q, int(j), float(s))
    cents = index.centroids()
    has_seeds = np.diff(index.seed_start) > 0
    csim = cents @ cents.T
    pairs = set(dup_counts)
    for a, b in zip(*np.nonzero(np.triu(csim, k=1) >= OVERLAP_CENTROID), strict=True):
        if has_seeds[a] and has_seeds[b]:
            pairs.add((int(a), int(b)))
    out = []
    for a, b in pairs:
        example = None
        if (a, b) in best_pair:
            q, j, s = best_pair[(a, b)]
            example = (index.seed_texts[q], index.seed_texts[j], round(s, 4))
        else:
            sims = index.leaf_seed_vectors(a) @ index.leaf_seed_vectors(b).T
            qa, qb = np.unravel_index(int(np.argmax(sims)), sims.shape)
            example = (
                index.seed_texts[int(index.seed_start[a]) + int(qa)],
                index.seed_texts[int(index.seed_start[b]) + int(qb)],
                round(float(sims[qa, qb]), 4),
            )
        out.append(
            LeafOverlap(index.leaves[a], index.leaves[b], float(csim[a, b]), dup_counts[(a, b)], example)
        )
    out.sort(key=lambda o: (-o.duplicate_seeds, -o.centroid_similarity, o.a, o.b))
    return out
