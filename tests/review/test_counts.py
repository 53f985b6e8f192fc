"""The queue's counters agree with a scan after any mix of decisions, bulk actions, undo and new
samples; broad, narrow and search pages return the same rows whichever plan reads them."""

from __future__ import annotations

import random

from labui.store import Store
from labui.store.review import (
    STATUSES,
    Filter,
    decide,
    decide_matching,
    decision_counts,
    next_after,
    page_counts,
    queue_page,
    status_counts,
    undo,
)
from tests.review.support import LEAF, OTHER_LEAF, add_run, add_samples, clean


def _scan(store: Store, flt: Filter) -> dict[str, int]:
    """The counts by brute force: every sample, its current status, the filter's terms in Python."""
    out = dict.fromkeys(STATUSES, 0)
    with store.connect() as db:
        rows = db.execute(
            "SELECT s.leaf_path, s.run_id, coalesce(r.status, 'new') FROM samples s "
            "LEFT JOIN review_state r ON r.sample_id = s.id"
        ).fetchall()
    for leaf, run, status in rows:
        if flt.run_ids and run not in flt.run_ids:
            continue
        if flt.leaves and leaf not in flt.leaves:
            continue
        if flt.branch and not (leaf == flt.branch or leaf.startswith(flt.branch + "/")):
            continue
        if flt.statuses and status not in flt.statuses:
            continue
        out[status] += 1
    return out


FILTERS = [
    Filter(),
    Filter(leaves=(LEAF,)),
    Filter(branch="knowledge"),
    Filter(branch="compositional_skills", statuses=("new",)),
    Filter(run_ids=(1,), statuses=("accepted", "edited")),
]


def test_counters_follow_every_kind_of_change(store: Store) -> None:
    rng = random.Random(3)
    ids: list[int] = []
    for _ in range(2):
        run = add_run(store)
        ids += add_samples(store, run, clean(15))
        ids += add_samples(store, run, clean(10, OTHER_LEAF), leaf=OTHER_LEAF)
        for flt in FILTERS:
            assert status_counts(store, flt) == _scan(store, flt), flt
    for step in range(40):
        pick = rng.random()
        if pick < 0.5:
            status = rng.choice(["accepted", "rejected", "edited", "new"])
            decide(store, rng.choice(ids), status, reviewer=rng.choice(["ana", "bo"]), answer="x")
        elif pick < 0.7:
            flt = Filter(leaves=(rng.choice([LEAF, OTHER_LEAF]),), run_ids=(rng.choice([1, 2]),))
            decide_matching(store, flt, rng.choice(["accepted", "rejected", "new"]), reviewer="ana")
        elif pick < 0.9:
            undo(store, reviewer=rng.choice(["ana", "bo"]))
        else:
            ids += add_samples(store, rng.choice([1, 2]), clean(2, OTHER_LEAF), leaf=OTHER_LEAF)
        for flt in FILTERS:
            assert status_counts(store, flt) == _scan(store, flt), (step, flt)
            assert page_counts(store, flt) == (_scan(store, flt), False)
        assert decision_counts(store) == {
            leaf: _scan(store, Filter(leaves=(leaf,))) for leaf in (LEAF, OTHER_LEAF)
        }


def test_pages_are_the_same_whichever_plan_reads_them(store: Store) -> None:
    run = add_run(store)
    mine = add_samples(store, run, clean(30))
    other = add_samples(
        store, run, [{"question": "Which planet is red?", "answer": "Mars."}], leaf=OTHER_LEAF
    )
    # A broad branch (read in id order) and a narrow one (read through the leaf index).
    broad = queue_page(store, Filter(branch="compositional_skills"), limit=10)
    assert [s.id for s, _ in broad] == mine[:10]
    narrow = queue_page(store, Filter(branch="knowledge"), limit=10)
    assert [s.id for s, _ in narrow] == other
    nxt = next_after(store, Filter(branch="compositional_skills"), mine[4])
    assert nxt is not None and nxt.id == mine[5]
    found = queue_page(store, Filter(search="planet red"), limit=10)
    assert [s.id for s, _ in found] == other
    assert next_after(store, Filter(search="planet"), 0).id == other[0]  # type: ignore[union-attr]
    assert next_after(store, Filter(search="planet"), other[0]) is None


def test_search_counts_are_capped(store: Store) -> None:
    run = add_run(store)
    add_samples(store, run, [{"question": f"Question {i} about rain?", "answer": "Rain."} for i in range(12)])
    counts, capped = page_counts(store, Filter(search="rain"), cap=10)
    assert capped and sum(counts.values()) == 11
    counts, capped = page_counts(store, Filter(search="rain"), cap=20)
    assert not capped and counts["new"] == 12
    assert status_counts(store, Filter(search="rain"))["new"] == 12  # exact when asked for
