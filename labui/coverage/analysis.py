"""Coverage: where a taxonomy is thin, where its leaves overlap, and which real requests it misses.

The pipeline, each step usable alone (the app re-runs only the cheap last one when the threshold moves):

1. `index_taxonomy`: embed what describes each leaf (a "describe" text made of its path words, task
   description or domain and document outline, plus one text per seed question) through any Embedder.
2. `embed_items`: embed the user's real texts.
3. `score_items`: every item against every leaf, keeping the top 3 leaves and similarities.
4. `build_report`: per-leaf and per-branch metrics, the covered / uncovered split at a threshold,
   the uncovered items clustered (faiss k-means) with key terms and a suggested new leaf.

How an item is scored against a leaf (the "leaf representation") was chosen by measurement on a
hand-labelled held-out set of requests (bench/bench_representation.py; figures in README): the
default `blend` is the mean of (a) the best cosine similarity to any one of the leaf's seed questions
and (b) the cosine similarity to the leaf's describe text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labui.coverage.embed import Embedder, Progress

if TYPE_CHECKING:
    from labui.taxonomy.tree import Leaf, Taxonomy

REPRESENTATIONS = ("blend", "maxsim", "centroid", "describe", "centroid+describe")
DEFAULT_REPRESENTATION = "blend"
BLEND_WEIGHT = 0.5  # weight of the best-seed similarity in `blend`; the rest goes to the describe text
# An item is covered when its score against its best leaf (a cosine similarity, or the mean of two
# under `blend`) is at least this. Read off the real tree (bench/bench_representation.py): it is the
# 25th percentile of held-out requests the tree plainly covers (about 3 in 4 of those pass), while the
# median self-instruct task (most ask for things the tree has no leaf for) scores 0.31.
DEFAULT_THRESHOLD = 0.35
TOP_K = 3
# A leaf with this many distinct-looking seeds is not thin (InstructLab asks for 5 seed examples).
TARGET_SEEDS = 5
# Mean pairwise cosine distance of seed questions that counts as "fully varied" (about the median
# over the real tree's leaves with 3 or more seeds); less varied seeds count as fewer seeds.
REF_DIVERSITY = 0.6
DUPLICATE_SEED = 0.95  # two seed questions in different leaves this similar are near-duplicates
OVERLAP_CENTROID = 0.90  # two leaves whose seed centroids are this similar sit on top of each other
MAX_CLUSTERS = 40
EXAMPLES_PER_CLUSTER = 5
TERMS_PER_CLUSTER = 5
FAR_MARGIN = 0.05  # a cluster this far below the threshold gets a new leaf higher up the tree
SCORE_CHUNK = 4096  # items scored per matrix product: bounds memory at chunk x seeds floats

StageProgress = Callable[[str, int, int], None]
"""Called with (stage label, done, total)."""

_WORD = re.compile(r"[a-z][a-z0-9'+#-]*[a-z0-9+#]|[a-z]")
_STOPWORDS = """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further given had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor not
    now of off on once only or other our out over own same she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours following write give tell make create use using based
    one two also like want need please sentence text word words given new things try way"""
_STOP = frozenset(_STOPWORDS.split())


# --------------------------------------------------------------------------------------------------
# Texts that describe a leaf.


def describe_text(leaf: Leaf) -> str:
    """Path words (without the top-level folder), then the task description or domain and outline."""
    segments = leaf.path.split("/")
    words = " > ".join(s.replace("_", " ") for s in (segments[1:] or segments))
    parts = [words, leaf.task_description or leaf.domain, leaf.document_outline]
    return ". ".join(p.strip() for p in parts if p and p.strip())


def seed_texts(leaf: Leaf, with_answers: bool = False) -> list[str]:
    """One text per seed question (each Q&A of a knowledge seed counts); the answer appended on request."""
    out = []
    for seed in leaf.seeds:
        for qa in seed.pairs:
            text = f"{qa.question}\n{qa.answer}" if with_answers else qa.question
            if text.strip():
                out.append(text.strip())
    return out


# --------------------------------------------------------------------------------------------------
# The index.


@dataclass(slots=True)
class TaxonomyIndex:
    """Vectors for every leaf: its describe text and its seed questions (grouped by leaf, in order)."""

    model: str
    device: str
    leaves: list[str]
    kinds: list[str]
    describe: list[str]
    describe_vectors: np.ndarray  # (L, d)
    seed_texts: list[str]
    seed_vectors: np.ndarray  # (S, d), seeds of leaf i are rows seed_start[i]:seed_start[i + 1]
    seed_start: np.ndarray  # (L + 1,)
    representation: str = DEFAULT_REPRESENTATION

    @property
    def dim(self) -> int:
        return int(self.describe_vectors.shape[1])

    def seed_count(self, i: int) -> int:
        return int(self.seed_start[i + 1] - self.seed_start[i])

    @property
    def seed_leaf(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.leaves)), np.diff(self.seed_start))

    def leaf_seed_vectors(self, i: int) -> np.ndarray:
        return self.seed_vectors[self.seed_start[i] : self.seed_start[i + 1]]

    def centroids(self) -> np.ndarray:
        """Normalised mean of each leaf's seed vectors (the describe vector for a leaf without seeds)."""
        out = self.describe_vectors.copy()
        for i in range(len(self.leaves)):
            seeds = self.leaf_seed_vectors(i)
            if len(seeds):
                out[i] = _normalise(seeds.mean(axis=0))
        return out


def _normalise(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.where(norm == 0, 1, norm)).astype(np.float32)


def index_taxonomy(
    taxonomy: Taxonomy,
    embedder: Embedder,
    progress: Progress | None = None,
    representation: str = DEFAULT_REPRESENTATION,
    with_answers: bool = False,
) -> TaxonomyIndex:
    """Embed every leaf's describe text and seed questions in one batch (cached when `embedder` is)."""
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown representation {representation!r}; choose one of {REPRESENTATIONS}")
    leaves = list(taxonomy.leaves)
    describe = [describe_text(leaf) for leaf in leaves]
    seeds_per_leaf = [seed_texts(leaf, with_answers) for leaf in leaves]
    flat_seeds = [t for seeds in seeds_per_leaf for t in seeds]
    vectors = embedder.encode(describe + flat_seeds, progress)
    start = np.zeros(len(leaves) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(s) for s in seeds_per_leaf])
    return TaxonomyIndex(
        model=embedder.name,
        device=embedder.device,
        leaves=[leaf.path for leaf in leaves],
        kinds=[leaf.kind.value for leaf in leaves],
        describe=describe,
        describe_vectors=np.ascontiguousarray(vectors[: len(leaves)]),
        seed_texts=flat_seeds,
        seed_vectors=np.ascontiguousarray(vectors[len(leaves) :]),
        seed_start=start,
        representation=representation,
    )


def embed_items(texts: Sequence[str], embedder: Embedder, progress: Progress | None = None) -> np.ndarray:
    return embedder.encode(list(texts), progress)


# --------------------------------------------------------------------------------------------------
# Scoring items against leaves.


def _best_seed(index: TaxonomyIndex, sims: np.ndarray) -> np.ndarray:
    """Per leaf, the maximum over its seed columns of `sims` (n, S); -1 for a leaf without seeds."""
    out = np.full((sims.shape[0], len(index.leaves)), -1.0, dtype=np.float32)
    counts = np.diff(index.seed_start)
    has = np.flatnonzero(counts > 0)
    if len(has):
        out[:, has] = np.maximum.reduceat(sims, index.seed_start[has], axis=1)
    return out


def leaf_scores(index: TaxonomyIndex, vectors: np.ndarray, representation: str | None = None) -> np.ndarray:
    """(n, L) score of each vector against each leaf under a representation (see module doc)."""
    rep = representation or index.representation
    x = np.asarray(vectors, dtype=np.float32)
    if rep == "describe":
        return x @ index.describe_vectors.T
    if rep == "centroid":
        return x @ index.centroids().T
    if rep == "centroid+describe":
        return x @ _normalise(index.centroids() + index.describe_vectors).T
    desc = x @ index.describe_vectors.T
    best = _best_seed(index, x @ index.seed_vectors.T)
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


# --------------------------------------------------------------------------------------------------
# The report.


@dataclass(slots=True)
class LeafOverlap:
    a: str
    b: str
    centroid_similarity: float
    duplicate_seeds: int  # seed pairs (one from each leaf) at or above DUPLICATE_SEED
    example: tuple[str, str, float] | None  # the most similar seed pair

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "centroid_similarity": round(self.centroid_similarity, 4),
            "duplicate_seeds": self.duplicate_seeds,
            "example": list(self.example) if self.example else None,
        }


@dataclass(slots=True)
class LeafMetrics:
    path: str
    kind: str
    seed_count: int
    diversity: float  # mean pairwise cosine distance of the seed questions (0 with fewer than 2)
    effective_seeds: float
    thinness: float
    demand: int  # covered items whose best leaf this is
    mean_similarity: float | None  # over those items
    gap: float
    overlaps: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "seed_count": self.seed_count,
            "diversity": round(self.diversity, 4),
            "effective_seeds": round(self.effective_seeds, 3),
            "thinness": round(self.thinness, 4),
            "demand": self.demand,
            "mean_similarity": None if self.mean_similarity is None else round(self.mean_similarity, 4),
            "gap": round(self.gap, 4),
            "overlaps": self.overlaps,
        }


@dataclass(slots=True)
class BranchMetrics:
    path: str
    leaves: int
    seed_count: int
    diversity: float
    demand: int
    gap: float  # mean of its leaves' gaps weighted by demand + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "leaves": self.leaves,
            "seed_count": self.seed_count,
            "diversity": round(self.diversity, 4),
            "demand": self.demand,
            "gap": round(self.gap, 4),
        }


@dataclass(slots=True)
class Item:
    index: int
    text: str
    leaf: str
    top: list[str]
    top_similarity: list[float]
    similarity: float
    covered: bool
    cluster: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "leaf": self.leaf,
            "top": self.top,
            "similarity": round(self.similarity, 4),
            "covered": self.covered,
        }


@dataclass(slots=True)
class Cluster:
    id: int
    size: int
    items: list[int]  # item indices
    examples: list[str]  # closest to the centroid first
    key_terms: list[str]
    nearest_leaf: str
    nearest_branch: str
    similarity: float  # of the centroid to the nearest leaf
    suggested_path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "examples": self.examples,
            "key_terms": self.key_terms,
            "nearest_leaf": self.nearest_leaf,
            "nearest_branch": self.nearest_branch,
            "similarity": round(self.similarity, 4),
            "suggested_path": self.suggested_path,
            "items": self.items,
        }


@dataclass(slots=True)
class CoverageReport:
    model: str
    device: str
    representation: str
    threshold: float
    leaves: list[LeafMetrics]
    branches: list[BranchMetrics]
    items: list[Item]
    clusters: list[Cluster]
    overlaps: list[LeafOverlap]

    @property
    def covered(self) -> int:
        return sum(it.covered for it in self.items)

    def leaf(self, path: str) -> LeafMetrics | None:
        return next((m for m in self.leaves if m.path == path), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "device": self.device,
            "representation": self.representation,
            "threshold": self.threshold,
            "leaves": [m.to_json() for m in self.leaves],
            "branches": [b.to_json() for b in self.branches],
            "items": [it.to_json() for it in self.items],
            "clusters": [c.to_json() for c in self.clusters],
            "overlaps": [o.to_json() for o in self.overlaps],
        }


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


def choose_k(n: int) -> int:
    """About sqrt(n) clusters: a handful for a few dozen uncovered items, at most MAX_CLUSTERS."""
    return max(1, min(MAX_CLUSTERS, n, round(math.sqrt(n))))


def kmeans(vectors: np.ndarray, k: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (faiss): labels (n,) and normalised centroids (k, d)."""
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if k <= 1 or len(x) <= 1:
        return np.zeros(len(x), dtype=np.int64), _normalise(x.mean(axis=0, keepdims=True))
    km = faiss.Kmeans(
        x.shape[1], k, niter=25, seed=seed, spherical=True, min_points_per_centroid=1, verbose=False
    )
    km.train(x)
    _, labels = km.index.search(x, 1)
    return labels[:, 0].astype(np.int64), _normalise(np.asarray(km.centroids))


def tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def key_terms(cluster_docs: Sequence[set[str]], df_all: Counter[str], n_all: int, top: int) -> list[str]:
    """Words frequent in the cluster and rare in the rest: p_c x log(p_c / p_rest), smoothed."""
    n_c = len(cluster_docs)
    df_c: Counter[str] = Counter(w for doc in cluster_docs for w in doc)
    n_rest = max(1, n_all - n_c)
    scored = []
    for w, c in df_c.items():
        if n_c >= 4 and c < 2:
            continue  # a word seen once in a sizeable cluster says nothing about the cluster
        p_c = c / n_c
        p_rest = (df_all[w] - c + 0.5) / (n_rest + 1)
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
    texts: Sequence[str],
    vectors: np.ndarray,
    uncovered: np.ndarray,
    all_docs: list[set[str]],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Cluster]:
    if len(uncovered) == 0:
        return []
    x = vectors[uncovered]
    labels, centroids = kmeans(x, choose_k(len(uncovered)))
    df_all: Counter[str] = Counter(w for doc in all_docs for w in doc)
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
        terms = key_terms([all_docs[i] for i in item_idx], df_all, len(all_docs), TERMS_PER_CLUSTER)
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
                examples=[texts[i] for i in item_idx[:EXAMPLES_PER_CLUSTER]],
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


def build_report(
    index: TaxonomyIndex,
    texts: Sequence[str],
    vectors: np.ndarray,
    scores: Scores,
    threshold: float = DEFAULT_THRESHOLD,
) -> CoverageReport:
    """Everything the page and the CLI show, from vectors already computed (no encoder needed)."""
    n_leaves = len(index.leaves)
    best = scores.best
    best_sim = scores.best_similarity
    covered = best_sim >= threshold
    demand = (
        np.bincount(best[covered], minlength=n_leaves) if len(best) else np.zeros(n_leaves, dtype=np.int64)
    )
    sim_sum = (
        np.bincount(best[covered], weights=best_sim[covered], minlength=n_leaves) if len(best) else demand
    )
    max_demand = int(demand.max()) if n_leaves else 0

    overlaps = find_overlaps(index)
    overlap_of: dict[str, list[str]] = {}
    for o in overlaps:
        overlap_of.setdefault(o.a, []).append(o.b)
        overlap_of.setdefault(o.b, []).append(o.a)

    leaves = []
    for i, path in enumerate(index.leaves):
        count = index.seed_count(i)
        div = diversity(index.leaf_seed_vectors(i))
        eff = effective_seeds(count, div)
        thin = 1.0 - min(1.0, eff / TARGET_SEEDS)
        d = int(demand[i])
        leaves.append(
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
            )
        )

    branches = _branches(index, leaves)
    items = [
        Item(
            index=i,
            text=texts[i],
            leaf=index.leaves[int(best[i])],
            top=[index.leaves[int(j)] for j in scores.top[i]],
            top_similarity=[float(s) for s in scores.similarity[i]],
            similarity=float(best_sim[i]),
            covered=bool(covered[i]),
        )
        for i in range(len(texts))
    ]
    uncovered = np.flatnonzero(~covered)
    docs = [tokens(t) for t in texts] if len(uncovered) else []
    clusters = cluster_uncovered(index, texts, vectors, uncovered, docs, threshold)
    for cl in clusters:
        for i in cl.items:
            items[i].cluster = cl.id
    return CoverageReport(
        model=index.model,
        device=index.device,
        representation=index.representation,
        threshold=threshold,
        leaves=leaves,
        branches=branches,
        items=items,
        clusters=clusters,
        overlaps=overlaps,
    )


def _branches(index: TaxonomyIndex, leaves: list[LeafMetrics]) -> list[BranchMetrics]:
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


# --------------------------------------------------------------------------------------------------
# All of it in one call.


def _stage(progress: StageProgress | None, label: str) -> Progress | None:
    if progress is None:
        return None
    return lambda done, total: progress(label, done, total)


def analyse(
    taxonomy: Taxonomy,
    texts: Sequence[str],
    embedder: Embedder,
    threshold: float = DEFAULT_THRESHOLD,
    progress: StageProgress | None = None,
    representation: str = DEFAULT_REPRESENTATION,
) -> tuple[CoverageReport, TaxonomyIndex, np.ndarray, Scores]:
    """Index the taxonomy, embed and score the texts, and build the report."""
    index = index_taxonomy(taxonomy, embedder, _stage(progress, "Embedding the taxonomy"), representation)
    vectors = (
        embed_items(texts, embedder, _stage(progress, "Embedding the real data"))
        if texts
        else np.zeros((0, index.dim), dtype=np.float32)
    )
    scores = score_items(index, vectors, progress=_stage(progress, "Scoring"))
    report = build_report(index, texts, vectors, scores, threshold)
    return report, index, vectors, scores


# --------------------------------------------------------------------------------------------------
# Plain text, for the terminal.


def _short(text: str, width: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def format_text(report: CoverageReport, top: int = 15) -> str:
    lines = [f"encoder {report.model} on {report.device}; representation {report.representation}"]
    n = len(report.items)
    if n:
        lines.append(
            f"{report.covered} of {n} items covered ({report.covered / n:.0%}) at threshold {report.threshold:.2f}; "
            f"{n - report.covered} uncovered in {len(report.clusters)} clusters"
        )
    lines += ["", f"Leaves with the largest gap (of {len(report.leaves)}):"]
    lines.append(f"  {'gap':>5} {'seeds':>5} {'div':>5} {'demand':>6}  leaf")
    for m in sorted(report.leaves, key=lambda m: (-m.gap, m.path))[:top]:
        lines.append(f"  {m.gap:5.2f} {m.seed_count:5d} {m.diversity:5.2f} {m.demand:6d}  {m.path}")
    if report.overlaps:
        lines += ["", f"Overlapping leaves ({len(report.overlaps)} pairs):"]
        for o in report.overlaps[:top]:
            lines.append(
                f"  centroid {o.centroid_similarity:.2f}, {o.duplicate_seeds} near-duplicate seeds: {o.a} <> {o.b}"
            )
    if report.clusters:
        lines += ["", "Uncovered clusters:"]
        for c in report.clusters:
            lines.append(
                f"  #{c.id} {c.size} items [{', '.join(c.key_terms)}] -> new leaf {c.suggested_path} "
                f"(nearest {c.nearest_leaf}, {c.similarity:.2f})"
            )
            for ex in c.examples[:3]:
                lines.append(f"      - {_short(ex)}")
    return "\n".join(lines) + "\n"


def leaf_prefill(cluster: Cluster, max_seeds: int = TARGET_SEEDS) -> dict[str, Any]:
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
