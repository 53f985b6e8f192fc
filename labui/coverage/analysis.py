"""The coverage pipeline: index the tree, embed and score real texts batch by batch, build the report.

`Analysis` is the pipeline as an object whose steps the Coverage page calls one at a time (to show
progress and counts between them), and which the CLI feeds in batches streamed from the data files:

1. `index()`: embed what describes each leaf (see labui.coverage.index) through any Embedder.
2. `add(texts)`: embed one batch of real texts and score it against every leaf (top 3 kept); when
   `keep_below` is set no text is kept, and only the vectors and texts of items scoring under it,
   at most a bounded sample of them (labui.coverage.sample): memory per row is a few numbers.
3. `report(threshold)`: per-leaf and per-branch metrics, the covered / uncovered split, the uncovered
   items clustered with key terms and a suggested new leaf. Cheap: no encoder; the page re-runs only
   this when the threshold moves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from labui.coverage.clusters import cluster_uncovered, doc_frequencies
from labui.coverage.embed import Embedder, Progress
from labui.coverage.index import DEFAULT_REPRESENTATION, TaxonomyIndex, check_representation, index_taxonomy
from labui.coverage.metrics import branch_metrics, leaf_metrics
from labui.coverage.overlaps import find_overlaps
from labui.coverage.report import CoverageReport, ItemTable, LeafOverlap
from labui.coverage.sample import Reservoir, sample_cap
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
    texts: Sequence[str] | None,
    vectors: np.ndarray,
    scores: Scores,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    vector_rows: np.ndarray | None = None,
    kept_texts: Sequence[str] | None = None,
    sampled: bool = False,
    df_all: Counter[str] | None = None,
    overlaps: list[LeafOverlap] | None = None,
) -> CoverageReport:
    """Everything the page and the CLI show, from vectors already computed (no encoder needed).

    `vectors` holds every item's vector, or, with `vector_rows` (ascending item indices), only those
    items', which must include every item under `threshold` unless `sampled` (then they are a uniform
    sample of them, and the clusters are drawn from it). `texts` holds every item's text, or is None
    with `kept_texts` giving the texts of `vector_rows` (the CLI keeps no other). `df_all` and
    `overlaps` may be passed when already known (they do not depend on the threshold).
    """
    n = len(scores.top)
    covered = scores.best_similarity >= threshold
    overlaps = find_overlaps(index) if overlaps is None else overlaps
    leaves = leaf_metrics(index, scores, covered, overlaps)
    uncovered = np.flatnonzero(~covered)
    rows, x, row_texts = uncovered, vectors, texts
    if vector_rows is None:
        x = vectors[uncovered]
    else:
        at = np.searchsorted(vector_rows, uncovered)
        kept = (at < len(vector_rows)) & (vector_rows[np.minimum(at, len(vector_rows) - 1)] == uncovered)
        if not sampled and not kept.all():
            raise ValueError("the kept vectors do not include every uncovered item at this threshold")
        rows, at = uncovered[kept], at[kept]
        # Every kept vector is clustered (the report at the keep threshold): use them, no copy.
        x = vectors if len(at) == len(vectors) else vectors[at]
        if kept_texts is not None:
            row_texts = [kept_texts[int(j)] for j in at]
    if row_texts is None:
        raise ValueError("no texts for the uncovered items: pass `texts` or `kept_texts`")
    if texts is not None:
        row_texts = [texts[int(i)] for i in rows]
    scale = len(uncovered) / len(rows) if len(rows) else 1.0
    if len(rows):
        df = doc_frequencies(texts or ()) if df_all is None else df_all
        clusters = cluster_uncovered(index, rows, row_texts, x, df, n, threshold, scale)
    else:
        clusters = []
    cluster_of = np.full(n, -1, dtype=np.int32)
    for cl in clusters:
        cluster_of[cl.items] = cl.id
    return CoverageReport(
        model=index.model,
        device=index.device,
        representation=index.representation,
        threshold=threshold,
        leaves=leaves,
        branches=branch_metrics(index, leaves),
        items=ItemTable(index.leaves, scores.top, scores.similarity, covered, cluster_of, texts),
        clusters=clusters,
        overlaps=overlaps,
        cluster_sample=len(rows) if len(rows) < len(uncovered) else None,
    )


class Analysis:
    """One coverage analysis of a taxonomy, run step by step (see the module doc).

    `keep_below`: keep only what items scoring under it need (the CLI's threshold): their vectors
    and texts, at most `sample` of them (a uniform random sample beyond that; default
    labui.coverage.sample.sample_cap()), and no other text; reports are then possible at that
    threshold or lower. None keeps every vector and text (the page: the threshold moves, and the
    map draws every item).
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        embedder: Embedder,
        representation: str = DEFAULT_REPRESENTATION,
        keep_below: float | None = None,
        sample: int | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        check_representation(representation)
        self.examples = examples  # leaf path → texts beyond its seeds (reviewed samples' questions)
        self.taxonomy = taxonomy
        self.key = taxonomy_key(taxonomy)
        self.embedder = embedder
        self.representation = representation
        self.keep_below = keep_below
        self.sample = sample_cap() if sample is None else sample
        self.texts: list[str] = []  # every item's text, without `keep_below` only
        self.rows = 0  # items added
        self._index: TaxonomyIndex | None = None
        self._scores: list[Scores] = []
        self._vectors: list[np.ndarray] = []
        self._reservoir: Reservoir | None = None
        self._df: Counter[str] = Counter()
        self._overlaps: list[LeafOverlap] | None = None
        self._report: CoverageReport | None = None

    # ---- steps ------------------------------------------------------------------------------------

    def index(self, progress: Progress | None = None) -> TaxonomyIndex:
        """The taxonomy embedded (once; later calls return the same index)."""
        if self._index is None:
            self._index = index_taxonomy(
                self.taxonomy, self.embedder, progress, self.representation, examples=self.examples
            )
        return self._index

    def add(self, texts: Sequence[str], progress: Progress | None = None) -> None:
        """Embed and score one batch of real texts, appended after those added before."""
        index = self.index()
        batch = list(texts)
        if not batch:
            return
        vectors = self.embedder.encode(batch, progress)
        scores = score_items(index, vectors)
        start = self.rows
        self.rows += len(batch)
        self._scores.append(scores)
        doc_frequencies(batch, into=self._df)
        if self.keep_below is None:
            self.texts.extend(batch)
            self._vectors.append(vectors)
        else:
            if self._reservoir is None:
                self._reservoir = Reservoir(self.sample, index.dim)
            keep = np.flatnonzero(scores.best_similarity < self.keep_below)
            self._reservoir.offer(keep + start, vectors[keep], [batch[int(i)] for i in keep])
        self._report = None

    def add_batches(self, batches: Iterable[Sequence[str]], progress: StageProgress | None = None) -> None:
        """`add` every batch, reporting rows done (total unknown: 0) after each."""
        for batch in batches:
            self.add(batch)
            if progress is not None:
                progress(STAGE_DATA, self.rows, 0)

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
        if self._reservoir is not None:
            return self._reservoir.contents()[1]
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
        if self._reservoir is None:
            return np.zeros(0, dtype=np.int64)
        return self._reservoir.contents()[0]

    @property
    def sampled(self) -> bool:
        """True when more items scored under `keep_below` than the sample holds."""
        return self._reservoir is not None and self._reservoir.full

    def report(self, threshold: float = DEFAULT_THRESHOLD) -> CoverageReport:
        """The report at `threshold` (the last one is kept)."""
        if self.keep_below is not None and threshold > self.keep_below:
            raise ValueError(f"vectors were kept only under {self.keep_below}; no report at {threshold}")
        if self._report is not None and self._report.threshold == threshold:
            return self._report
        index = self.index()
        if self._overlaps is None:
            self._overlaps = find_overlaps(index)
        rows: np.ndarray | None = None
        kept_texts: list[str] | None = None
        if self._reservoir is not None:
            rows, vectors, kept_texts = self._reservoir.contents()
        else:
            vectors = self.vectors
            if self.keep_below is not None:
                rows = np.zeros(0, dtype=np.int64)
        self._report = build_report(
            index,
            self.texts if self.keep_below is None else None,
            vectors,
            self.scores,
            threshold,
            vector_rows=rows,
            kept_texts=kept_texts,
            sampled=self.sampled,
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
