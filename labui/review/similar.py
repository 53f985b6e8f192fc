"""Find the samples most and least similar to one sample (cosine over embeddings of the whole sample)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labui.coverage.embed import Embedder
from labui.review.gates import whole_text
from labui.store import Store
from labui.store.review import Filter, get_sample, queue_page

MAX_CANDIDATES = 20_000  # samples compared at most (the first of the filter, in id order)


@dataclass(frozen=True, slots=True)
class Neighbour:
    sample_id: int
    cosine: float
    question: str


def similar(
    store: Store, embedder: Embedder, sample_id: int, flt: Filter, k: int = 5
) -> tuple[list[Neighbour], list[Neighbour]]:
    """(most similar, least similar) samples of the filter to `sample_id`, k of each."""
    import faiss

    target = get_sample(store, sample_id)
    if target is None:
        return [], []
    rows = [s for s, _ in queue_page(store, flt, limit=MAX_CANDIDATES) if s.id != sample_id]
    if not rows:
        return [], []
    vecs = embedder.encode(
        [whole_text(target.question, target.answer)] + [whole_text(s.question, s.answer) for s in rows]
    )
    query, others = (
        np.ascontiguousarray(vecs[:1], dtype=np.float32),
        np.ascontiguousarray(vecs[1:], dtype=np.float32),
    )
    index = faiss.IndexFlatIP(others.shape[1])
    index.add(others)
    near_s, near_i = index.search(query, min(k, len(rows)))
    far_s, far_i = index.search(-query, min(k, len(rows)))  # the largest -cosine: the least similar
    most = [
        Neighbour(rows[i].id, float(s), rows[i].question)
        for s, i in zip(near_s[0], near_i[0], strict=True)
        if i >= 0
    ]
    least = [
        Neighbour(rows[i].id, -float(s), rows[i].question)
        for s, i in zip(far_s[0], far_i[0], strict=True)
        if i >= 0
    ]
    return most, least
