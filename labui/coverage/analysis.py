"""The coverage pipeline: index the tree, embed and score real texts batch by batch, build the report.

`Analysis` is the pipeline as an object whose steps the Coverage page calls one at a time (to show
progress and counts between them), and which the CLI feeds in batches streamed from the data files:

1. `index()`: embed what describes each leaf (see labui.coverage.index) through any Embedder.
2. `add(texts)`: embed one batch of real texts and score it against every leaf (top 3 kept); when
   `keep_below` is set only the vectors of items scoring under it are kept, so memory grows with the
   uncovered items, not with every vector.
3. `report(threshold)`: per-leaf and per-branch metrics, the covered / uncovered split, the uncovered
   items clustered with key terms and a suggested new leaf. Cheap: no encoder; the page re-runs only
   this when the threshold moves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from labui.coverage.clusters import cluster_uncovered, doc_frequencies
from labui.coverage.embed import Embedder, Progress
from labui.coverage.index import DEFAULT_REPRESENTATION, TaxonomyIndex, check_representation, index_taxonomy
from labui.coverage.metrics import branch_metrics, leaf_metrics
from labui.coverage.overlaps import find_overlaps
from labui.coverage.report import CoverageReport, Item, LeafOverlap
from labui.coverage.scoring import DEFAULT_THRESHOLD, TOP_K, Scores, score_items
from labui.fsio import sha256_text

if TYPE_CHECKING:
    from labui.taxonomy import Taxonomy

StageProgress = Callable[[str, int, int], None]
"""Called with (stage label, done, total); total 0 when it is not known in advance."""

STAGE_INDEX = "Embedding the taxonomy"
STAGE_DATA = "Embedding the real data"


def taxonomy_key(taxonomy: Taxonomy) -> str:
    """A content key of the tree: changes when any leaf is added, removed, moved or edited."""
    return sha256_text(f"{taxonomy.root}\n" + "\n".join(f"{lf.path}\t{lf.sha256}" for lf in taxonomy.leaves))


def build_report(
    index: TaxonomyIndex,
    texts: Sequence[str],
    vectors: np.ndarray,
    scores: Scores,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    vector_rows: np.ndarray | None = None,
    df_all: Counter[str] | None = None,
    overlaps: list[LeafOverlap] | None = None,
) -> CoverageReport:
    """Everything the page and the CLI show, from vectors already computed (no encoder needed).

    `vectors` holds every item's vector, or, with `vector_rows` (ascending item indices), only those
    items' (it must include every item under `threshold`). `df_all` and `overlaps` may be passed when
    already known (they do not depend on the threshold).
    """
    best, best_sim = scores.best, scores.best_similarity
    covered = best_sim >= threshold
    overlaps = find_overlaps(index) if overlaps is None else overlaps
    leaves = leaf_metrics(index, scores, covered, overlaps)
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
    if len(uncovered):
        if vector_rows is None:
            x = vectors[uncovered]
        else:
            at = np.searchsorted(vector_rows, uncovered)
            if np.any(at >= len(vector_rows)) or np.any(
                vector_rows[np.minimum(at, len(vector_rows) - 1)] != uncovered
            ):
                raise ValueError("the kept vectors do not include every uncovered item at this threshold")
            x = vectors[at]
        df = doc_frequencies(texts) if df_all is None else df_all
        clusters = cluster_uncovered(index, texts, uncovered, x, df, threshold)
    else:
        clusters = []
    for cl in clusters:
        for i in cl.items:
            items[i].cluster = cl.id
    return CoverageReport(
        model=index.model,
        device=index.device,
        representation=index.representation,
        threshold=threshold,
        leaves=leaves,
        branches=branch_metrics(index, leaves),
        items=items,
        clusters=clusters,
        overlaps=overlaps,
    )


class Analysis:
    """One coverage analysis of a taxonomy, run step by step (see the module doc).

    `keep_below`: keep only the vectors of items scoring under it (the CLI's threshold); reports are
    then possible at that threshold or lower. None keeps every vector (the page: the threshold moves,
    and the map draws every item).
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        embedder: Embedder,
        representation: str = DEFAULT_REPRESENTATION,
        keep_below: float | None = None,
    ) -> None:
        check_representation(representation)
        self.taxonomy = taxonomy
        self.key = taxonomy_key(taxonomy)
        self.embedder = embedder
        self.representation = representation
        self.keep_below = keep_below
        self.texts: list[str] = []
        self._index: TaxonomyIndex | None = None
        self._scores: list[Scores] = []
        self._vectors: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._df: Counter[str] = Counter()
        self._overlaps: list[LeafOverlap] | None = None
        self._report: CoverageReport | None = None

    # ---- steps ------------------------------------------------------------------------------------

    def index(self, progress: Progress | None = None) -> TaxonomyIndex:
        """The taxonomy embedded (once; later calls return the same index)."""
        if self._index is None:
            self._index = index_taxonomy(self.taxonomy, self.embedder, progress, self.representation)
        return self._index

    def add(self, texts: Sequence[str], progress: Progress | None = None) -> None:
        """Embed and score one batch of real texts, appended after those added before."""
        index = self.index()
        batch = list(texts)
        if not batch:
            return
        vectors = self.embedder.encode(batch, progress)
        scores = score_items(index, vectors)
        start = len(self.texts)
        self.texts.extend(batch)
        self._scores.append(scores)
        doc_frequencies(batch, into=self._df)
        if self.keep_below is None:
            self._vectors.append(vectors)
        else:
            keep = np.flatnonzero(scores.best_similarity < self.keep_below)
            self._vectors.append(np.ascontiguousarray(vectors[keep]))
            self._rows.append(keep + start)
        self._report = None

    def add_batches(self, batches: Iterable[Sequence[str]], progress: StageProgress | None = None) -> None:
        """`add` every batch, reporting rows done (total unknown: 0) after each."""
        for batch in batches:
            self.add(batch)
            if progress is not None:
                progress(STAGE_DATA, len(self.texts), 0)

    # ---- results ----------------------------------------------------------------------------------

    @property
    def scores(self) -> Scores:
        k = max(1, min(TOP_K, len(self.index().leaves)))
        if len(self._scores) > 1:
            self._scores = [Scores.concat(self._scores, k)]
        return self._scores[0] if self._scores else Scores.concat([], k)

    @property
    def vectors(self) -> np.ndarray:
        """The kept vectors: every item's in order, or (with `keep_below`) those of `vector_rows`."""
        if len(self._vectors) != 1:
            self._vectors = [
                np.concatenate(self._vectors)
                if self._vectors
                else np.zeros((0, self.index().dim), dtype=np.float32)
            ]
        return self._vectors[0]

    @property
    def vector_rows(self) -> np.ndarray | None:
        if self.keep_below is None:
            return None
        if len(self._rows) != 1:
            self._rows = [np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int64)]
        return self._rows[0]

    def report(self, threshold: float = DEFAULT_THRESHOLD) -> CoverageReport:
        """The report at `threshold` (the last one is kept: a report holds every item)."""
        if self.keep_below is not None and threshold > self.keep_below:
            raise ValueError(f"vectors were kept only under {self.keep_below}; no report at {threshold}")
        if self._report is not None and self._report.threshold == threshold:
            return self._report
        index = self.index()
        if self._overlaps is None:
            self._overlaps = find_overlaps(index)
        self._report = build_report(
            index,
            self.texts,
            self.vectors,
            self.scores,
            threshold,
            vector_rows=self.vector_rows,
            df_all=self._df,
            overlaps=self._overlaps,
        )
        return self._report


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
) -> tuple[CoverageReport, Analysis]:
    """Index the taxonomy, embed and score the texts, and build the report, in one call."""
    run = Analysis(taxonomy, embedder, representation)
    run.index(_stage(progress, STAGE_INDEX))
    run.add(texts, _stage(progress, STAGE_DATA))
    return run.report(threshold), run
