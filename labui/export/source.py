"""Where export reads reviewed samples: the one module that talks to the review area of the store.

Streams (sample, decision, flags) in sample-id order, in batches, so memory stays flat at any size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from labui.export.messages import Reviewed
from labui.store import review
from labui.store.db import Store
from labui.store.review import STATUSES
from labui.store.samples import SampleRow


def iter_items(
    store: Store,
    *,
    run_ids: Sequence[int] = (),
    leaves: Sequence[str] = (),
    statuses: Sequence[str] = STATUSES,
    batch: int = 2000,
) -> Iterator[Reviewed]:
    """Every sample in the selection whose status is in `statuses`, with its decision and flags."""
    pending: list[tuple[SampleRow, review.Decision | None]] = []

    def flush() -> Iterator[Reviewed]:
        flags = review.flags_for(store, [s.id for s, _ in pending])
        for sample, decision in pending:
            yield Reviewed(sample, decision, tuple(flags.get(sample.id, ())))
        pending.clear()

    for pair in review.iter_reviewed(
        store, run_ids=tuple(run_ids), leaves=tuple(leaves), statuses=tuple(statuses), batch=batch
    ):
        pending.append(pair)
        if len(pending) >= batch:
            yield from flush()
    if pending:
        yield from flush()


def status_counts(
    store: Store, *, run_ids: Sequence[int] = (), leaves: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """Per leaf: status -> number of samples (what an export would take, before writing anything)."""
    counts = review.decision_counts(store, tuple(run_ids), tuple(leaves))
    return {leaf: {s: int(by.get(s, 0)) for s in STATUSES} for leaf, by in sorted(counts.items())}


def agreement(store: Store, *, leaves: Sequence[str]) -> list[dict[str, Any]]:
    """Cohen's kappa per leaf and pair of reviewers, as the review stage measures it, for these leaves."""
    from labui.review.agreement import agreement as measure

    wanted = set(leaves)
    return [
        {
            "leaf": a.leaf_path,
            "reviewers": list(a.reviewers),
            "samples": a.samples,
            "kappa": None if a.kappa is None else round(a.kappa, 4),
            "disagreements": a.disagreements,
        }
        for a in measure(store)
        if a.leaf_path in wanted
    ]


def gates_run(store: Store, run_id: int) -> tuple[str, ...]:
    """The gates that went over a run, so `gates_passed` claims nothing that never ran."""
    return tuple(review.gates_ran(store, run_id))


def diversity(store: Store, *, run_ids: Sequence[int] = ()) -> dict[str, list[dict[str, Any]]]:
    """Embedding diversity per leaf (one entry per run) as the review stage measured it, if it did."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in review.diversity_rows(store, tuple(run_ids)):
        out.setdefault(row.leaf_path, []).append(
            {
                "run_id": row.run_id,
                "n": row.n,
                "vendi_per_n": row.vendi_per_n,
                "mean_distance": row.mean_distance,
                "seed_vendi_per_n": row.seed_vendi_per_n,
                "seed_mean_distance": row.seed_mean_distance,
                "warning": row.warning,
            }
        )
    return out
