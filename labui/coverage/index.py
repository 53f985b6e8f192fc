"""The taxonomy index: the texts that describe each leaf and their vectors, grouped by leaf.

A leaf is described by its path words, its description and its seed questions. Optionally also by
examples beyond its seeds (the questions of its reviewed generated samples, handed in by the caller):
they count when a real item is scored (under `blend` and `maxsim`, as more questions of the leaf),
never in the seed metrics (count, diversity, overlaps), which judge what the curator wrote."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from labui.coverage.embed import Embedder, Progress
from labui.errors import UsageError

if TYPE_CHECKING:
    from labui.taxonomy import Leaf, Taxonomy

REPRESENTATIONS = ("blend", "maxsim", "centroid", "describe", "centroid+describe")
DEFAULT_REPRESENTATION = "blend"


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


def normalise(v: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.where(norm == 0, 1, norm)).astype(np.float32)


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
    # Examples beyond the seeds, grouped by leaf like the seeds (none unless asked for).
    example_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    example_start: np.ndarray | None = None  # (L + 1,); None: no examples
    example_texts: list[str] = field(default_factory=list)

    @property
    def example_leaf(self) -> np.ndarray:
        return np.zeros(0, dtype=np.int64) if self.example_start is None else _row_leaf(self.example_start)

    def example_count(self, i: int) -> int:
        return 0 if self.example_start is None else int(self.example_start[i + 1] - self.example_start[i])

    @property
    def dim(self) -> int:
        return int(self.describe_vectors.shape[1])

    def seed_count(self, i: int) -> int:
        return int(self.seed_start[i + 1] - self.seed_start[i])

    @property
    def seed_leaf(self) -> np.ndarray:
        return _row_leaf(self.seed_start)

    def leaf_seed_vectors(self, i: int) -> np.ndarray:
        return self.seed_vectors[self.seed_start[i] : self.seed_start[i + 1]]

    def centroids(self) -> np.ndarray:
        """Normalised mean of each leaf's seed vectors (the describe vector for a leaf without seeds)."""
        out = self.describe_vectors.copy()
        for i in range(len(self.leaves)):
            seeds = self.leaf_seed_vectors(i)
            if len(seeds):
                out[i] = normalise(seeds.mean(axis=0))
        return out


def check_representation(representation: str) -> None:
    if representation not in REPRESENTATIONS:
        raise UsageError(f"unknown representation {representation!r}; choose one of {REPRESENTATIONS}")


def index_taxonomy(
    taxonomy: Taxonomy,
    embedder: Embedder,
    progress: Progress | None = None,
    representation: str = DEFAULT_REPRESENTATION,
    with_answers: bool = False,
    examples: Mapping[str, Sequence[str]] | None = None,
) -> TaxonomyIndex:
    """Embed every leaf's describe text and seed questions in one batch (cached when `embedder` is),
    with `examples` (leaf path → texts) beyond the seeds when given."""
    check_representation(representation)
    leaves = list(taxonomy.leaves)
    describe = [describe_text(leaf) for leaf in leaves]
    seeds_per_leaf = [seed_texts(leaf, with_answers) for leaf in leaves]
    flat_seeds = [t for seeds in seeds_per_leaf for t in seeds]
    extra_per_leaf = [[t for t in (examples or {}).get(leaf.path, ()) if t.strip()] for leaf in leaves]
    flat_extra = [t for extra in extra_per_leaf for t in extra]
    vectors = embedder.encode(describe + flat_seeds + flat_extra, progress)
    start = _starts(seeds_per_leaf)
    n_desc, n_seed = len(leaves), len(flat_seeds)
    return TaxonomyIndex(
        model=embedder.name,
        device=embedder.device,
        leaves=[leaf.path for leaf in leaves],
        kinds=[leaf.kind.value for leaf in leaves],
        describe=describe,
        describe_vectors=np.ascontiguousarray(vectors[:n_desc]),
        seed_texts=flat_seeds,
        seed_vectors=np.ascontiguousarray(vectors[n_desc : n_desc + n_seed]),
        seed_start=start,
        representation=representation,
        example_vectors=np.ascontiguousarray(vectors[n_desc + n_seed :]),
        example_start=_starts(extra_per_leaf) if flat_extra else None,
        example_texts=flat_extra,
    )


def _starts(groups: Sequence[Sequence[str]]) -> np.ndarray:
    """Row offsets of consecutive groups: group i is rows out[i]:out[i + 1]."""
    start = np.zeros(len(groups) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(g) for g in groups])
    return start


def _row_leaf(starts: np.ndarray) -> np.ndarray:
    """The leaf of each row of rows grouped by `starts` (the inverse of `_starts`)."""
    return np.repeat(np.arange(len(starts) - 1), np.diff(starts))
