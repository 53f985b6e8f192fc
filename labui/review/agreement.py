"""Agreement between reviewers: Cohen's kappa per leaf and the queue of samples they disagree on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from labui.store import Store
from labui.store.review import reviewer_decisions


def verdict(status: str) -> str:
    """An edited sample counts as accepted; a restored one has no verdict."""
    return "accepted" if status in ("accepted", "edited") else status


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Kappa of two raters over paired labels; None without pairs, 1.0 when both always agree."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    labels = {x for p in pairs for x in p}
    expected = sum(
        (sum(a == lab for a, _ in pairs) / n) * (sum(b == lab for _, b in pairs) / n) for lab in labels
    )
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True, slots=True)
class Agreement:
    leaf_path: str
    reviewers: tuple[str, str]
    samples: int
    kappa: float | None
    disagreements: int


def _verdicts(store: Store) -> dict[int, tuple[str, dict[str, str]]]:
    by_sample: dict[int, tuple[str, dict[str, str]]] = {}
    for sid, leaf, reviewer, status in reviewer_decisions(store):
        if status == "new":
            continue
        by_sample.setdefault(sid, (leaf, {}))[1][reviewer] = verdict(status)
    return by_sample


def agreement(store: Store) -> list[Agreement]:
    """Per leaf and pair of reviewers who decided the same samples: kappa over those samples."""
    pairs: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for leaf, votes in _verdicts(store).values():
        names = sorted(votes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                pairs[(leaf, a, b)].append((votes[a], votes[b]))
    return [
        Agreement(leaf, (a, b), len(p), cohen_kappa(p), sum(x != y for x, y in p))
        for (leaf, a, b), p in sorted(pairs.items())
    ]


def disagreements(store: Store) -> list[tuple[int, str, dict[str, str]]]:
    """(sample id, leaf, reviewer → verdict) for every sample the reviewers decided differently."""
    return [
        (sid, leaf, votes)
        for sid, (leaf, votes) in sorted(_verdicts(store).items())
        if len(set(votes.values())) > 1
    ]
