"""Decisions through the store: single, edit, restore, undo, bulk, keep-first, history, kappa, search."""

from __future__ import annotations

import pytest

from labui.coverage.embed import SentenceTransformerEmbedder
from labui.errors import UsageError
from labui.review import decisions
from labui.review.agreement import agreement, cohen_kappa, disagreements
from labui.review.gates import run_gates
from labui.review.similar import similar
from labui.store import Store
from labui.store.review import (
    Filter,
    current_decision,
    decision_counts,
    iter_reviewed,
    queue_page,
    review_history,
    status_counts,
    undo,
)
from tests.review.support import LEAF, OTHER_LEAF, add_run, add_samples, clean


def test_accept_reject_edit_restore_and_history(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(4))
    decisions.accept(store, ids[0], "ana")
    decisions.reject(store, ids[1], "ana", "wrong numbers")
    decisions.edit(store, ids[2], "ben", question="Q fixed?", answer="A fixed.")
    assert status_counts(store, Filter()) == {"new": 1, "accepted": 1, "rejected": 1, "edited": 1}
    assert decisions.effective_text(store, ids[2])[:2] == ("Q fixed?", "A fixed.")
    # the original stays as generated
    page = dict((s.id, (s, d)) for s, d in queue_page(store, Filter(ids=(ids[2],))))
    assert page[ids[2]][0].question == clean(4)[2]["question"]
    trash = queue_page(store, Filter(statuses=("rejected",)))
    assert [(s.id, d.reason if d else None) for s, d in trash] == [(ids[1], "wrong numbers")]
    decisions.restore(store, ids[1], "ana")
    assert current_decision(store, ids[1]) is None  # back in the queue as new
    hist = review_history(store, ids[1])
    assert [(h.decision.status, h.decision.reviewer) for h in hist] == [("rejected", "ana"), ("new", "ana")]
    reviewed = [(s.id, d.status if d else None) for s, d in iter_reviewed(store)]
    assert reviewed == [(ids[0], "accepted"), (ids[2], "edited")]
    assert decision_counts(store)[LEAF] == {"new": 2, "accepted": 1, "rejected": 0, "edited": 1}
    with pytest.raises(UsageError):
        decisions.accept(store, ids[3], "  ")


def test_undo_restores_the_previous_decision(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(2))
    decisions.accept(store, ids[0], "ana")
    decisions.reject(store, ids[0], "ana", "on second thought")
    undone = undo(store, reviewer="ana")
    assert undone is not None and undone.kind == "rejected"
    dec = current_decision(store, ids[0])
    assert dec is not None and dec.status == "accepted"
    assert [h.undone for h in review_history(store, ids[0])] == [False, True]
    undo(store, reviewer="ana")
    assert current_decision(store, ids[0]) is None
    assert undo(store, reviewer="ana") is None


def test_bulk_on_every_match_with_exclusions_and_undo(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(30))
    other = add_samples(store, run, clean(5, OTHER_LEAF), leaf=OTHER_LEAF)
    decisions.accept(store, ids[0], "ana")
    flt = Filter(leaves=(LEAF,), exclude=(ids[1],))
    action, changed = decisions.bulk(store, flt, "reject", "ana", "bad batch")
    assert changed == 29  # 30 in the leaf, one excluded; the accepted one is rejected too
    counts = status_counts(store, Filter(leaves=(LEAF,)))
    assert counts == {"new": 1, "accepted": 0, "rejected": 29, "edited": 0}
    assert status_counts(store, Filter(ids=tuple(other)))["new"] == 5
    assert decisions.bulk(store, flt, "reject", "ana")[1] == 0  # nothing left to change
    undone = undo(store, reviewer="ana")
    assert undone is not None and undone.id == action and undone.count == 29
    after = status_counts(store, Filter(leaves=(LEAF,)))
    assert after == {"new": 29, "accepted": 1, "rejected": 0, "edited": 0}
    decisions.bulk(store, Filter(leaves=(LEAF,)), "reject", "ana")
    _, restored = decisions.bulk(store, Filter(ids=tuple(ids[:3])), "restore", "ana")
    assert restored == 3


def test_reject_duplicates_keeps_each_groups_first(store: Store) -> None:
    run = add_run(store)
    base = clean(6)
    ids = add_samples(store, run, [*base, base[0], base[0], base[3]])
    run_gates(store, None, run_ids=[run])
    _, changed = decisions.reject_duplicates_keep_first(store, Filter(run_ids=(run,)), "ana")
    assert changed == 3
    rejected = [s.id for s, _ in queue_page(store, Filter(statuses=("rejected",)))]
    assert rejected == ids[6:]


def test_search_is_full_text_and_safe(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(
        store,
        run,
        [*clean(3), {"question": "What orbits Jupiter?", "answer": "Io, Europa, Ganymede and Callisto."}],
    )
    assert [s.id for s, _ in queue_page(store, Filter(search="ganymede"))] == [ids[3]]
    assert queue_page(store, Filter(search='" OR NEAR( *')) == []  # FTS syntax is quoted, no error
    more = add_samples(store, run, [{"question": "Ganymede again?", "answer": "Yes, the largest moon."}])
    assert [s.id for s, _ in queue_page(store, Filter(search="Ganymede"))] == [ids[3], more[0]]


def test_agreement_and_disagreements(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(4))
    for sid, a, b in zip(
        ids,
        ["accepted", "accepted", "rejected", "rejected"],
        ["accepted", "rejected", "rejected", "rejected"],
        strict=True,
    ):
        for who, st in (("ana", a), ("ben", b)):
            (decisions.accept if st == "accepted" else decisions.reject)(store, sid, who)
    (row,) = agreement(store)
    assert row.leaf_path == LEAF and row.reviewers == ("ana", "ben") and row.samples == 4
    assert row.kappa == pytest.approx(0.5)
    assert [d[0] for d in disagreements(store)] == [ids[1]]
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0


def test_flags_and_decisions_for_samples_jsonl(store: Store) -> None:
    run = add_run(store)
    ids = add_samples(store, run, [*clean(2), clean(2)[0]])
    run_gates(store, None, run_ids=[run])
    decisions.reject(store, ids[2], "ana", "duplicate")
    got = decisions.flags_and_decisions(store, ids)
    flags, dec = got[ids[2]]
    assert flags[0]["gate"] == "exact_duplicate" and flags[0]["other"] == ids[0]
    assert dec is not None and dec["status"] == "rejected" and dec["reviewer"] == "ana"
    assert got[ids[0]] == ([], None)


def test_find_similar_and_least_similar(store: Store, encoder: SentenceTransformerEmbedder) -> None:
    run = add_run(store)
    ids = add_samples(
        store,
        run,
        [
            {"question": "How many moons does Mars have?", "answer": "Two: Phobos and Deimos."},
            {"question": "Name the moons of Mars.", "answer": "Phobos and Deimos orbit Mars."},
            {"question": "Give me a pancake recipe.", "answer": "Mix flour, eggs and milk, then fry."},
            {"question": "What is the capital of Peru?", "answer": "Lima."},
        ],
    )
    most, least = similar(store, encoder, ids[0], Filter(), k=1)
    assert [n.sample_id for n in most] == [ids[1]] and most[0].cosine > 0.6
    assert least[0].sample_id in (ids[2], ids[3]) and least[0].cosine < most[0].cosine


def test_branch_filter_takes_the_folder_and_below_only(store: Store) -> None:
    run = add_run(store)
    below = add_samples(store, run, clean(2, "a/b/c"), leaf="a/b/c")
    add_samples(store, run, clean(2, "a/bc"), leaf="a/bc")
    itself = add_samples(store, run, clean(1, "a/b"), leaf="a/b")
    assert [s.id for s, _ in queue_page(store, Filter(branch="a/b/"))] == below + itself
