"""Near-duplicate seed examples: does a seed repeat (or nearly repeat) one already in the tree?

The guard compares question/answer pairs, not contexts: grounded skills often share one context
across all their seeds on purpose. `SimilarityIndex` is the protocol a search backend implements;
`TextSimilarityIndex` (character trigram Jaccard, exact for exact repeats) works with no model, and
an embedding index can implement the same protocol later and be passed in instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from labui.taxonomy import SeedExample, Taxonomy

NEAR_THRESHOLD = 0.8


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
    """Finds the refs most similar to a text. `threshold`: the score from which two texts are near repeats."""

    threshold: float

    def nearest(self, text: str, k: int = 5, *, exclude_leaf: str | None = None) -> list[Match]: ...


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


@dataclass(frozen=True, slots=True)
class DuplicateWarning:
    seed: int  # index of the seed (in the leaf being edited) that repeats another
    pair: int | None
    other: SeedRef
    score: float

    @property
    def exact(self) -> bool:
        return self.score >= 0.999

    def message(self) -> str:
        what = "repeats" if self.exact else f"nearly repeats ({self.score:.0%} similar)"
        return f"{what} {self.other.label}"


def find_duplicates(
    leaf_path: str,
    seeds: Sequence[SeedExample],
    index: SimilarityIndex | None,
    *,
    only: set[int] | None = None,
    threshold: float | None = None,
) -> list[DuplicateWarning]:
    """Seeds of a leaf being edited that repeat another of its seeds or a seed of another leaf.

    `only`: the seed indexes to check (e.g. new or edited seeds); None checks all.
    """
    limit = threshold if threshold is not None else (index.threshold if index is not None else NEAR_THRESHOLD)
    mine = seed_refs(leaf_path, seeds)
    local = TextSimilarityIndex(mine, limit)
    out = []
    for ref in mine:
        if only is not None and ref.seed not in only:
            continue
        hits = [m for m in local.nearest(ref.text, 10) if (m.ref.seed, m.ref.pair) != (ref.seed, ref.pair)]
        if index is not None:
            hits += index.nearest(ref.text, 5, exclude_leaf=leaf_path)
        for m in sorted(hits, key=lambda m: -m.score):
            if m.score >= limit:
                out.append(DuplicateWarning(ref.seed, ref.pair, m.ref, m.score))
                break  # the closest one says enough
    return out
