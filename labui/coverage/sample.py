"""A bounded uniform sample of rows: their numbers, vectors and texts (reservoir sampling).

The CLI streams any number of rows but clusters only the uncovered ones; holding every uncovered
row's vector and text would grow with the file. `Reservoir` keeps at most `cap` of them, each row
seen so far equally likely to be in it (Algorithm R, seeded, so a run is repeatable). While fewer
than `cap` rows have been offered it holds all of them, in order: below the cap nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

DEFAULT_SAMPLE = 20_000  # uncovered rows kept for clustering; LABUI_COVERAGE_SAMPLE overrides it
SEED = 1234


def sample_cap() -> int:
    """The reservoir size, from LABUI_COVERAGE_SAMPLE or the default."""
    value = os.environ.get("LABUI_COVERAGE_SAMPLE", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_SAMPLE


class Reservoir:
    """At most `cap` (row, vector, text) triples, a uniform sample of all offered."""

    def __init__(self, cap: int, dim: int, seed: int = SEED) -> None:
        if cap < 1:
            raise ValueError(f"sample cap must be at least 1, not {cap}")
        self.cap = cap
        self.seen = 0  # rows offered so far
        self._rows = np.zeros(min(cap, 1024), dtype=np.int64)
        self._vectors = np.zeros((len(self._rows), dim), dtype=np.float32)
        self._texts: list[str] = []
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self._texts)

    @property
    def full(self) -> bool:
        """True once rows have been left out (more offered than the cap)."""
        return self.seen > self.cap

    def _grow(self, need: int) -> None:
        # Grow by doubling up to the cap, so a small input never allocates the whole cap.
        size = min(self.cap, max(need, 2 * len(self._rows)))
        rows, vectors = self._rows, self._vectors
        self._rows = np.zeros(size, dtype=np.int64)
        self._vectors = np.zeros((size, vectors.shape[1]), dtype=np.float32)
        self._rows[: len(rows)] = rows
        self._vectors[: len(vectors)] = vectors

    def offer(self, rows: np.ndarray, vectors: np.ndarray, texts: Sequence[str]) -> None:
        """Offer rows (ascending numbers, their vectors and texts)."""
        n = len(rows)
        fill = max(0, min(n, self.cap - len(self._texts)))
        if fill:
            at = len(self._texts)
            if at + fill > len(self._rows):
                self._grow(at + fill)
            self._rows[at : at + fill] = rows[:fill]
            self._vectors[at : at + fill] = vectors[:fill]
            self._texts.extend(texts[:fill])
        if fill < n:
            # Row number t (0-based over all offered) replaces a random slot with probability cap / (t+1).
            t = self.seen + np.arange(fill, n)
            slots = (self._rng.random(n - fill) * (t + 1)).astype(np.int64)
            for k in np.flatnonzero(slots < self.cap):
                j, src = int(slots[k]), fill + int(k)
                self._rows[j], self._vectors[j], self._texts[j] = rows[src], vectors[src], texts[src]
        self.seen += n

    def contents(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Rows in ascending order, their vectors and texts (views of the sample, not copies)."""
        n = len(self._texts)
        if self.full:
            # Replacements leave the rows out of order: sort once, in place (later offers re-shuffle).
            order = np.argsort(self._rows[:n], kind="stable")
            self._rows[:n] = self._rows[order]
            self._vectors[:n] = self._vectors[order]
            self._texts = [self._texts[int(i)] for i in order]
        return self._rows[:n], self._vectors[:n], self._texts
