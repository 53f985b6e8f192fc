"""Uncovered items grouped by meaning, each group with a suggested new leaf.

Spherical k-means (faiss), key terms per cluster, a suggested new leaf path, and the Editor prefill
that starts that leaf."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from labui.coverage.index import TaxonomyIndex, normalise
from labui.coverage.report import Cluster
from labui.coverage.scoring import DEFAULT_THRESHOLD, leaf_scores

MAX_CLUSTERS = 40
EXAMPLES_PER_CLUSTER = 5
TERMS_PER_CLUSTER = 5
FAR_MARGIN = 0.05  # a cluster this far below the threshold gets a new leaf higher up the tree
PREFILL_SEEDS = 5  # InstructLab asks for 5 seed examples

_WORD = re.compile(r"[a-z][a-z0-9'+#-]*[a-z0-9+#]|[a-z]")
_STOPWORDS = """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further given had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor not
    now of off on once only or other our out over own same she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours following write give tell make create use using based
    one two also like want need please sentence text word words given new things try way"""
_STOP = frozenset(_STOPWORDS.split())


def tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def doc_frequencies(texts: Iterable[str], into: Counter[str] | None = None) -> Counter[str]:
    """In how many texts each word appears; pass `into` to add a batch to the counts so far."""
    df: Counter[str] = Counter() if into is None else into
    for t in texts:
        df.update(tokens(t))
    return df


def choose_k(n: int) -> int:
    """About sqrt(n) clusters: a handful for a few dozen uncovered items, at most MAX_CLUSTERS."""
    return max(1, min(MAX_CLUSTERS, n, round(math.sqrt(n))))


def kmeans(vectors: np.ndarray, k: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (faiss): labels (n,) and normalised centroids (k, d)."""
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if k <= 1 or len(x) <= 1:
        return np.zeros(len(x), dtype=np.int64), normalise(x.mean(axis=0, keepdims=True))
    km = faiss.Kmeans(
        x.shape[1], k, niter=25, seed=seed, spherical=True, min_points_per_centroid=1, verbose=False
    )
    km.train(x)
    _, labels = km.index.search(x, 1)
    return labels[:, 0].astype(np.int64), normalise(np.asarray(km.centroids))


def key_terms(
    cluster_docs: Sequence[set[str]], df_all: Counter[str], n_all: int, top: int, scale: float = 1.0
) -> list[str]:
    """Words frequent in the cluster and rare in the rest: p_c x log(p_c / p_rest), smoothed.

    `scale`: how many rows each cluster doc stands for (the clusters came from a sample of the
    uncovered rows while `df_all` counts every row), so the rest is all rows less the scaled cluster."""
    n_c = len(cluster_docs)
    df_c: Counter[str] = Counter(w for doc in cluster_docs for w in doc)
    n_rest = max(1, n_all - n_c * scale)
    scored = []
    for w, c in df_c.items():
        if n_c >= 4 and c < 2:
            continue  # a word seen once in a sizeable cluster says nothing about the cluster
        p_c = c / n_c
        p_rest = max(0.0, df_all[w] - c * scale) + 0.5
        p_rest /= n_rest + 1
        scored.append((p_c * math.log(p_c / p_rest), w))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [w for _, w in scored[:top]]


def _slug(words: Sequence[str]) -> str:
    slug = "_".join(re.sub(r"[^a-z0-9]+", "_", w.lower()).strip("_") for w in words if w)
    return slug or "new_leaf"


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else path


def cluster_uncovered(
    index: TaxonomyIndex,
    uncovered: np.ndarray,
    texts: Sequence[str],
    x: np.ndarray,
    df_all: Counter[str],
    n_all: int,
    threshold: float = DEFAULT_THRESHOLD,
    scale: float = 1.0,
) -> list[Cluster]:
    """Clusters of the uncovered items: `uncovered` their item indices, `texts` and `x` their texts
    and vectors (row by row); `df_all` counts words over all `n_all` items (see doc_frequencies), for
    key terms. `scale` > 1 when the items are a sample, each standing for `scale` uncovered items."""
    if len(uncovered) == 0:
        return []
    labels, centroids = kmeans(x, choose_k(len(uncovered)))
    taken = set(index.leaves)
    centroid_scores = leaf_scores(index, centroids)
    clusters = []
    for c in range(len(centroids)):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:
            continue
        closeness = x[members] @ centroids[c]
        order = members[np.argsort(-closeness, kind="stable")]
        item_idx = [int(uncovered[m]) for m in order]
        terms = key_terms([tokens(texts[m]) for m in order], df_all, n_all, TERMS_PER_CLUSTER, scale)
        best = int(np.argmax(centroid_scores[c]))
        branch = _parent(index.leaves[best])
        if centroid_scores[c, best] < threshold - FAR_MARGIN:
            # Far from every leaf: the nearest leaf's own folder would be a guess; suggest the wider area.
            branch = "/".join(index.leaves[best].split("/")[:2])
        base = f"{branch}/{_slug(terms[:2])}"
        path, n = base, 2
        while path in taken:
            path, n = f"{base}_{n}", n + 1
        taken.add(path)
        clusters.append(
            Cluster(
                id=0,
                size=len(members),
                items=sorted(item_idx),
                examples=[texts[m] for m in order[:EXAMPLES_PER_CLUSTER]],
                key_terms=terms,
                nearest_leaf=index.leaves[best],
                nearest_branch=branch,
                similarity=float(centroid_scores[c, best]),
                suggested_path=path,
            )
        )
    clusters.sort(key=lambda cl: (-cl.size, cl.suggested_path))
    for i, cl in enumerate(clusters):
        cl.id = i
    return clusters


def leaf_prefill(cluster: Cluster, max_seeds: int = PREFILL_SEEDS) -> dict[str, Any]:
    """What the Editor needs to start a new freeform-skill leaf from an uncovered cluster: the
    suggested path, a task description from its key terms, and its most central examples as seed
    questions (answers left for the curator to write)."""
    terms = ", ".join(cluster.key_terms[:3]) or "these requests"
    return {
        "path": cluster.suggested_path,
        "kind": "freeform_skill",
        "task_description": f"Requests about {terms} ({cluster.size} real requests no leaf covered)",
        "seeds": [{"question": q, "answer": ""} for q in cluster.examples[:max_seeds]],
    }
