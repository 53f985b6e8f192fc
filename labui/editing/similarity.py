"""Near-duplicate seed examples: does a seed repeat (or nearly repeat) one already in the tree?

The guard compares question/answer pairs, not contexts: grounded skills often share one context
across all their seeds on purpose. `SimilarityIndex` is the protocol a search backend implements;
`TextSimilarityIndex` (character trigram Jaccard, exact for exact repeats) works with no model;
`EmbeddingSimilarityIndex` (cosine of sentence embeddings, faiss) also catches seeds that say the
same thing in other words. `find_duplicates` runs the text check always, and any others given.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from labui.taxonomy.model import SeedExample, Taxonomy

if TYPE_CHECKING:
    import numpy as np

    from labui.coverage.embed import Embedder

NEAR_THRESHOLD = 0.8
# Cosine (all-MiniLM-L6-v2, question + answer) from which two seeds say nearly the same thing. Read
# off the real tree: a reworded seed scores about 0.97, a different haiku on the same theme 0.86; 0.9
# flags 4 cross-leaf pairs among its 416 Q&A pairs (templated extraction seeds that differ only in
# the output format asked for).
MEANING_THRESHOLD = 0.9


@dataclass(frozen=True, slots=True)
class SeedRef:
    """One question/answer pair of a leaf: `seed` its seed index, `pair` its Q&A index (knowledge)."""

    leaf_path: str
    seed: int
    pair: int | None
    text: str

    @property
    def label(self) -> str:
        where = f"seed {self.seed + 1}" + (f", Q&A {self.pair + 1}" if self.pair is not None else "")
        return f"{self.leaf_path} ({where})"


@dataclass(frozen=True, slots=True)
class Match:
    ref: SeedRef
    score: float  # 1.0: the same text


class SimilarityIndex(Protocol):
    """Finds the refs most similar to a text. `threshold`: the score from which two texts are near repeats.

    `kind` names what is compared ("text", "meaning"); `within(refs)` is an index of the same kind
    over other refs (the seeds of the leaf being edited).
    """

    threshold: float
    kind: str

    def nearest(self, text: str, k: int = 5, *, exclude_leaf: str | None = None) -> list[Match]: ...

    def within(self, refs: Sequence[SeedRef]) -> SimilarityIndex: ...


def pair_text(question: str, answer: str) -> str:
    return f"{question.strip()}\n{answer.strip()}"


def seed_refs(leaf_path: str, seeds: Sequence[SeedExample]) -> list[SeedRef]:
    refs = []
    for i, s in enumerate(seeds):
        pairs = s.questions_and_answers
        if pairs:
            refs += [SeedRef(leaf_path, i, j, pair_text(q.question, q.answer)) for j, q in enumerate(pairs)]
        elif s.question or s.answer:
            refs.append(SeedRef(leaf_path, i, None, pair_text(s.question, s.answer)))
    return refs


_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip()


def shingles(text: str, n: int = 3) -> frozenset[str]:
    t = normalise(text)
    if len(t) <= n:
        return frozenset([t]) if t else frozenset()
    return frozenset(t[i : i + n] for i in range(len(t) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class TextSimilarityIndex:
    """Character trigram Jaccard over an inverted index: candidates share at least one trigram."""

    kind = "text"

    def __init__(self, refs: Iterable[SeedRef], threshold: float = NEAR_THRESHOLD) -> None:
        self.threshold = threshold
        self.refs = list(refs)
        self._sets = [shingles(r.text) for r in self.refs]
        self._exact = {normalise(r.text): i for i, r in enumerate(self.refs)}
        self._postings: dict[str, list[int]] = {}
        for i, s in enumerate(self._sets):
            for g in s:
                self._postings.setdefault(g, []).append(i)

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy, threshold: float = NEAR_THRESHOLD) -> TextSimilarityIndex:
        return cls((r for leaf in taxonomy.leaves for r in seed_refs(leaf.path, leaf.seeds)), threshold)

    def within(self, refs: Sequence[SeedRef]) -> TextSimilarityIndex:
        return TextSimilarityIndex(refs, self.threshold)

    def nearest(self, text: str, k: int = 5, *, exclude_leaf: str | None = None) -> list[Match]:
        query = shingles(text)
        if not query:
            return []
        # Jaccard >= t needs |A & B| >= t * |A|: count shared trigrams, score only the candidates.
        counts: Counter[int] = Counter()
        for g in query:
            for i in self._postings.get(g, ()):
                counts[i] += 1
        floor = max(1, int(len(query) * min(self.threshold, 0.5)))
        scored = []
        for i, shared in counts.items():
            if shared < floor or self.refs[i].leaf_path == exclude_leaf:
                continue
            b = self._sets[i]
            score = shared / (len(query) + len(b) - shared)
            if normalise(self.refs[i].text) == normalise(text):
                score = 1.0
            scored.append(Match(self.refs[i], score))
        scored.sort(key=lambda m: (-m.score, m.ref.leaf_path, m.ref.seed, m.ref.pair or 0))
        return scored[:k]


class EmbeddingSimilarityIndex:
    """Cosine similarity of sentence embeddings (inner product of normalised vectors, faiss).

    Give it a cached embedder (labui.embed.CachedEmbedder): the tree's seeds are then embedded once
    per workspace, and each check embeds only the seeds being edited.
    """

    kind = "meaning"

    def __init__(
        self,
        refs: Iterable[SeedRef],
        embedder: Embedder,
        threshold: float = MEANING_THRESHOLD,
        _memo: dict[str, np.ndarray] | None = None,
    ) -> None:
        import faiss

        self.refs = list(refs)
        self.embedder = embedder
        self.threshold = threshold
        self._memo = _memo if _memo is not None else {}  # text -> vector, shared with `within` indexes
        self._per_leaf = Counter(r.leaf_path for r in self.refs)
        self._index = faiss.IndexFlatIP(embedder.dim)
        if self.refs:
            self._index.add(self.vectors([r.text for r in self.refs]))

    @classmethod
    def from_taxonomy(
        cls, taxonomy: Taxonomy, embedder: Embedder, threshold: float = MEANING_THRESHOLD
    ) -> EmbeddingSimilarityIndex:
        refs = [r for leaf in taxonomy.leaves for r in seed_refs(leaf.path, leaf.seeds)]
        return cls(refs, embedder, threshold)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            self._memo.update(zip(missing, self.embedder.encode(missing), strict=True))
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._memo[t] for t in texts]), dtype=np.float32)

    def within(self, refs: Sequence[SeedRef]) -> EmbeddingSimilarityIndex:
        return EmbeddingSimilarityIndex(refs, self.embedder, self.threshold, self._memo)

    def nearest(self, text: str, k: int = 5, *, exclude_leaf: str | None = None) -> list[Match]:
        if not self.refs or not text.strip():
            return []
        # Ask for enough neighbours that k remain once the excluded leaf's own seeds are dropped.
        want = min(len(self.refs), k + (self._per_leaf.get(exclude_leaf, 0) if exclude_leaf else 0))
        scores, ids = self._index.search(self.vectors([text]), want)
        out = [
            Match(self.refs[i], min(1.0, float(sc)))
            for sc, i in zip(scores[0], ids[0], strict=True)
            if i >= 0 and self.refs[i].leaf_path != exclude_leaf
        ]
        return out[:k]


@dataclass(frozen=True, slots=True)
class DuplicateWarning:
    seed: int  # index of the seed (in the leaf being edited) that repeats another
    pair: int | None
    other: SeedRef
    score: float
    kind: str = "text"  # which check found it: "text" (same words) or "meaning" (same sense)

    @property
    def exact(self) -> bool:
        return self.kind == "text" and self.score >= 0.999

    def message(self) -> str:
        if self.kind == "meaning":
            return f"says nearly the same as {self.other.label} (meaning {self.score:.0%} similar)"
        what = "repeats" if self.exact else f"nearly repeats ({self.score:.0%} similar)"
        return f"{what} {self.other.label}"


def find_duplicates(
    leaf_path: str,
    seeds: Sequence[SeedExample],
    index: SimilarityIndex | Sequence[SimilarityIndex] | None,
    *,
    only: set[int] | None = None,
    threshold: float | None = None,
) -> list[DuplicateWarning]:
    """Seeds of a leaf being edited that repeat another of its seeds or a seed of another leaf.

    `index`: the tree's index or indexes (text, meaning); the text check runs even with none.
    `only`: the seed indexes to check (e.g. new or edited seeds); None checks all.
    `threshold`: overrides the text check's threshold.
    """
    indexes = [] if index is None else [index] if not isinstance(index, Sequence) else list(index)
    text_tree = next((i for i in indexes if i.kind == "text"), None)
    limit = threshold if threshold is not None else (text_tree.threshold if text_tree else NEAR_THRESHOLD)
    mine = seed_refs(leaf_path, seeds)
    # (index over this leaf's seeds, index over the tree, threshold); text first: it names exact repeats.
    checks: list[tuple[SimilarityIndex, SimilarityIndex | None, float]] = [
        (TextSimilarityIndex(mine, limit), text_tree, limit)
    ]
    checks += [(i.within(mine), i, i.threshold) for i in indexes if i.kind != "text"]
    out = []
    for ref in mine:
        if only is not None and ref.seed not in only:
            continue
        for local, tree, floor in checks:
            hits = [
                m for m in local.nearest(ref.text, 10) if (m.ref.seed, m.ref.pair) != (ref.seed, ref.pair)
            ]
            if tree is not None:
                hits += tree.nearest(ref.text, 5, exclude_leaf=leaf_path)
            best = max(hits, key=lambda m: m.score, default=None)
            if best is not None and best.score >= floor:
                out.append(DuplicateWarning(ref.seed, ref.pair, best.ref, best.score, local.kind))
                break  # the closest one of the first check that finds one says enough
    return out
