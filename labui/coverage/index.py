"""The taxonomy index: the texts that describe each leaf and their vectors, grouped by leaf.

A leaf is described by its path words, its description and its seed questions."""

from __future__ import annotations

from dataclasses import dataclass
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
) -> TaxonomyIndex:
    """Embed every leaf's describe text and seed questions in one batch (cached when `embedder` is)."""
    check_representation(representation)
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
