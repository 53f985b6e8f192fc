"""Duplicate finding: exact (normalised text), near (MinHash LSH over word shingles, confirmed by the
true Jaccard) and semantic (cosine over normalised embeddings, faiss). Greedy in id order: the first
member of a group is kept, each later one is matched to a kept member with its score."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from labui.editing.similarity import jaccard

NEAR_THRESHOLD = 0.85
SEMANTIC_THRESHOLD = 0.95
SHINGLE_WORDS = 3
NUM_PERM = 64
SMALL_GROUP = 2048

_PUNCT = re.compile(r"[^\w\s]")
_ASCII_PUNCT = str.maketrans(dict.fromkeys(string.punctuation.replace("_", ""), " "))  # \w keeps "_"

Match = tuple[int, float]  # (kept id, score)


def normalise(text: str) -> str:
    """Case, spacing and punctuation folded: the key of an exact duplicate."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # translate is several times faster than the regex, and most text is ASCII
    text = text.translate(_ASCII_PUNCT) if text.isascii() else _PUNCT.sub(" ", text)
    return " ".join(text.split())


def shingles(text: str, n: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word n-grams of the normalised text (the whole text when it is shorter than n words)."""
    toks = normalise(text).split()
    if len(toks) <= n:
        return frozenset([" ".join(toks)]) if toks else frozenset()
    return frozenset(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))


def exact_matches(items: Sequence[tuple[int, str]]) -> dict[int, Match]:
    """id → (first id with the same normalised text, 1.0) for every later copy."""
    first: dict[str, int] = {}
    out: dict[int, Match] = {}
    for item_id, text in sorted(items):
        key = normalise(text)
        if not key:
            continue
        if key in first:
            out[item_id] = (first[key], 1.0)
        else:
            first[key] = item_id
    return out


def _hash32(data: bytes) -> int:
    return hash(data) & 0xFFFFFFFF  # in-process index only, so Python's salted hash is fine and fast


@cache
def _template(num_perm: int) -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, hashfunc=_hash32)


@cache
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    # datasketch finds (bands, rows) by numeric integration on every index built: once per setting.
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return int(bands), int(rows)


def minhashes(sets: Sequence[frozenset[str]], num_perm: int = NUM_PERM) -> list[Any]:
    from datasketch import MinHash

    # One set of permutations for all: drawing them is most of a MinHash's construction cost.
    template = _template(num_perm)
    out = []
    for s in sets:
        m = MinHash(
            num_perm=num_perm, hashfunc=_hash32, permutations=template.permutations, scheme=template.scheme
        )
        m.update_batch([t.encode() for t in s])
        out.append(m)
    return out


class NearIndex:
    """MinHash LSH over word shingles; candidates are confirmed with the true Jaccard."""

    def __init__(self, threshold: float = NEAR_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        # The LSH is tuned a little below the threshold so that borderline pairs reach the exact check.
        lsh_threshold = round(max(0.3, threshold - 0.1), 3)
        self._lsh = MinHashLSH(num_perm=num_perm, params=_lsh_params(lsh_threshold, num_perm))
        self._sets: dict[object, frozenset[str]] = {}

    def add(self, key: object, sset: frozenset[str], mh: Any) -> None:
        if sset and key not in self._sets:
            self._lsh.insert(key, mh)
            self._sets[key] = sset

    def best(self, sset: frozenset[str], mh: Any) -> tuple[object, float] | None:
        """The indexed key most similar to `sset` at or above the threshold (ties: the lowest key)."""
        if not sset:
            return None
        best: tuple[object, float] | None = None
        for key in self._lsh.query(mh):
            score = jaccard(sset, self._sets[key])
            if score >= self.threshold and (
                best is None or score > best[1] or (score == best[1] and str(key) < str(best[0]))
            ):
                best = (key, score)
        return best


Signature = tuple[frozenset[str], Any]  # (word shingles, MinHash) of one text


def signatures(texts: Sequence[str]) -> list[Signature]:
    sets = [shingles(t) for t in texts]
    return list(zip(sets, minhashes(sets), strict=True))


def near_matches(
    items: Sequence[tuple[int, str]],
    threshold: float = NEAR_THRESHOLD,
    sigs: dict[int, Signature] | None = None,
) -> dict[int, Match]:
    """id → (kept id, Jaccard) for every item a near copy of an earlier kept one (`sigs`: signatures
    already computed, by id)."""
    ordered = sorted(items)
    if sigs is None:
        sigs = dict(zip((i for i, _ in ordered), signatures([t for _, t in ordered]), strict=True))
    index = NearIndex(threshold)
    out: dict[int, Match] = {}
    for item_id, _ in ordered:
        sset, mh = sigs[item_id]
        hit = index.best(sset, mh)
        if hit is not None:
            out[item_id] = (int(hit[0]), round(hit[1], 3))  # type: ignore[call-overload]
        else:
            index.add(item_id, sset, mh)
    return out


def semantic_matches(
    ids: Sequence[int], vectors: np.ndarray, threshold: float = SEMANTIC_THRESHOLD
) -> dict[int, Match]:
    """id → (kept id, cosine) for every item whose embedding is that close to an earlier kept one.

    `vectors` are L2-normalised rows in the order of `ids`. Each item's nearest earlier neighbours
    come from one faiss search over the group; the greedy pass then keeps the first of each group.
    """
    import faiss

    n = len(ids)
    if n < 2:
        return {}
    order = np.argsort(np.asarray(ids))
    vecs = np.ascontiguousarray(vectors[order], dtype=np.float32)
    sorted_ids = [int(ids[i]) for i in order]
    k = min(n, 16)
    if n <= SMALL_GROUP:
        # A leaf-sized group: one matrix product beats faiss's thread start-up on a busy machine.
        full = vecs @ vecs.T
        nbrs = np.argsort(-full, axis=1, kind="stable")[:, :k]
        sims = np.take_along_axis(full, nbrs, axis=1)
    else:
        index = faiss.IndexFlatIP(vecs.shape[1])
        index.add(vecs)
        sims, nbrs = index.search(vecs, k)
    kept = np.zeros(n, dtype=bool)
    out: dict[int, Match] = {}
    for i in range(n):
        hit = None
        for sim, j in zip(sims[i], nbrs[i], strict=True):
            if j < 0 or sim < threshold:
                break
            if j < i and kept[j]:
                hit = (sorted_ids[j], round(float(min(sim, 1.0)), 3))
                break
        if hit is None and sims[i][-1] >= threshold and k < n:
            # More near copies than neighbours fetched: compare with every kept earlier item directly.
            earlier = np.flatnonzero(kept[:i])
            if earlier.size:
                dots = vecs[earlier] @ vecs[i]
                j = int(earlier[int(np.argmax(dots))])
                if dots.max() >= threshold:
                    hit = (sorted_ids[j], round(float(min(dots.max(), 1.0)), 3))
        if hit is None:
            kept[i] = True
        else:
            out[sorted_ids[i]] = hit
    return out
