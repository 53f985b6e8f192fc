"""Workspace tables of review: decisions (append-only history, undoable actions) and the queue's filter.

A decision never rewrites a sample: an edit is stored here beside the original. Every change is one
`review_actions` row (a single click or a bulk action over any number of samples) with its decisions;
undo marks the action's decisions undone and recomputes the current state of those samples from what
remains. `review_state` holds the current decision per sample so the queue filters at 1.2M rows
without scanning the history, and `review_counts` the counts per (leaf, run, status), shifted in the
same transactions as the decisions. The queue's filter SQL and counting live in `review_queue.py`.
Search goes through the `search` area's FTS5 index.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from labui.store.db import Store, in_chunks

# Flags live in the gates area; these names stay importable from here (review and export use them).
from labui.store.gates import Diversity as Diversity
from labui.store.gates import Flag as Flag
from labui.store.gates import diversity_rows as diversity_rows
from labui.store.gates import flags_for as flags_for
from labui.store.gates import gates_ran as gates_ran
from labui.store.gates import replace_flags as replace_flags
from labui.store.gates import save_diversity as save_diversity
from labui.store.review_queue import (
    COUNT_CAP as COUNT_CAP,
)
from labui.store.review_queue import (
    QUEUE_FROM,
    STATUSES,
    Filter,
    counted,
    counted_only,
    counted_per_leaf,
    page_sql,
    shift_counts,
    where_sql,
)
from labui.store.samples import SAMPLE_COLUMNS, SampleRow, sample_from_row
from labui.store.search import sync_search

MIGRATIONS: list[str] = [
    """
    CREATE TABLE review_actions (
        id          INTEGER PRIMARY KEY,
        reviewer    TEXT NOT NULL,
        kind        TEXT NOT NULL,        -- accepted | rejected | edited | new (restore) | skip marks
        description TEXT NOT NULL,        -- what was matched, for the undo list
        count       INTEGER NOT NULL,
        at          REAL NOT NULL,
        undone_at   REAL
    );
    CREATE TABLE decisions (
        id        INTEGER PRIMARY KEY,
        action_id INTEGER NOT NULL REFERENCES review_actions (id),
        sample_id INTEGER NOT NULL,
        status    TEXT NOT NULL,          -- new (restored) | accepted | rejected | edited
        reviewer  TEXT NOT NULL,
        reason    TEXT NOT NULL DEFAULT '',
        at        REAL NOT NULL,
        question  TEXT,                   -- the edited text (status edited), else NULL
        answer    TEXT,
        context   TEXT,
        undone    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX decisions_sample ON decisions (sample_id, id);
    CREATE INDEX decisions_action ON decisions (action_id);
    CREATE TABLE review_state (
        sample_id   INTEGER PRIMARY KEY,  -- no row: status new
        decision_id INTEGER NOT NULL,
        status      TEXT NOT NULL
    );
    CREATE INDEX review_state_status ON review_state (status, sample_id);
    CREATE TABLE review_marks (
        sample_id INTEGER NOT NULL,
        reviewer  TEXT NOT NULL,
        at        REAL NOT NULL,
        PRIMARY KEY (sample_id, reviewer)
    ) WITHOUT ROWID
    """,
    # Counts per (leaf, run, status) so the queue's counts at 1.2M rows are not a scan: decisions
    # shift them in their own transactions; 'all' (every sample) is caught up from the append-only
    # samples above a mark, the way the search index is.
    """
    CREATE TABLE review_counts (
        leaf_path TEXT NOT NULL,
        run_id    INTEGER NOT NULL,
        status    TEXT NOT NULL,              -- a decided status, or 'all'
        n         INTEGER NOT NULL,
        PRIMARY KEY (leaf_path, run_id, status)
    ) WITHOUT ROWID;
    CREATE TABLE review_counts_mark (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO review_counts
        SELECT s.leaf_path, s.run_id, r.status, count(*) FROM review_state r
        JOIN samples s ON s.id = r.sample_id GROUP BY 1, 2, 3
    """,
]


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on a sample: status, who, why, when; for an edit, the edited text."""

    sample_id: int
    status: str
    reviewer: str
    reason: str
    at: float
    question: str | None = None
    answer: str | None = None
    context: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    decision: Decision
    action_id: int
    undone: bool


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    reviewer: str
    kind: str
    description: str
    count: int
    at: float
    undone_at: float | None


_DECISION_COLS = "d.sample_id, d.status, d.reviewer, d.reason, d.at, d.question, d.answer, d.context"
_SAMPLE_COLS = ", ".join(f"s.{c.strip()}" for c in SAMPLE_COLUMNS.split(","))


def _decision(row: Sequence[object]) -> Decision | None:
    if row[0] is None or row[1] == "new":
        return None
    return Decision(*row)  # type: ignore[arg-type]


# ---- reading --------------------------------------------------------------------------------------


def iter_reviewed(
    store: Store,
    *,
    run_ids: Sequence[int] = (),
    leaves: Sequence[str] = (),
    statuses: Sequence[str] = ("accepted", "edited"),
    batch: int = 1000,
) -> Iterator[tuple[SampleRow, Decision | None]]:
    """Samples whose current status is in `statuses`, in id order, streamed (status new: no decision)."""
    where, params = where_sql(Filter(run_ids=tuple(run_ids), leaves=tuple(leaves), statuses=tuple(statuses)))
    last = 0
    while True:
        with store.connect() as db:
            rows = db.execute(
                f"SELECT {_SAMPLE_COLS}, {_DECISION_COLS} FROM {QUEUE_FROM} "
                f"LEFT JOIN decisions d ON d.id = r.decision_id WHERE s.id > ? AND {where} "
                "ORDER BY s.id LIMIT ?",
                (last, *params, batch),
            ).fetchall()
        if not rows:
            return
        n = len(SAMPLE_COLUMNS.split(","))
        for row in rows:
            yield sample_from_row(row[:n]), _decision(row[n:])
        last = rows[-1][0]


# Which generated samples coverage may count as more examples of their leaf (the CLI's --samples).
EXAMPLE_STATUSES: dict[str, tuple[str, ...]] = {
    "none": (),
    "accepted": ("accepted", "edited"),
    "all": ("new", "accepted", "edited"),  # every sample nobody rejected
}
EXAMPLES_PER_LEAF = 200  # the newest of each leaf: bounded embedding work however big the workspace


def example_questions(
    store: Store, statuses: Sequence[str] = ("accepted", "edited"), per_leaf: int = EXAMPLES_PER_LEAF
) -> dict[str, list[str]]:
    """Leaf path → the questions (as edited, where edited) of its newest samples in `statuses`, at most
    `per_leaf` each: what coverage counts beyond the seeds."""
    if not statuses:
        return {}
    where, params = where_sql(Filter(statuses=tuple(statuses)))
    with store.connect() as db:
        rows = db.execute(
            "SELECT leaf_path, question FROM ("
            "SELECT s.leaf_path AS leaf_path, coalesce(d.question, s.question) AS question, "
            "row_number() OVER (PARTITION BY s.leaf_path ORDER BY s.id DESC) AS k "
            f"FROM {QUEUE_FROM} LEFT JOIN decisions d ON d.id = r.decision_id WHERE {where}"
            ") WHERE k <= ? ORDER BY leaf_path, k",
            (*params, per_leaf),
        ).fetchall()
    out: dict[str, list[str]] = {}
    for leaf, question in rows:
        out.setdefault(str(leaf), []).append(str(question))
    return out


def queue_page(
    store: Store, flt: Filter, *, offset: int = 0, limit: int = 50
) -> list[tuple[SampleRow, Decision | None]]:
    """One page of the queue: the matching samples in id order with their current decision."""
    with store.connect() as db:
        frm, where, params, order = page_sql(db, flt)
        rows = db.execute(
            f"SELECT {_SAMPLE_COLS}, {_DECISION_COLS} FROM {frm} "
            f"LEFT JOIN decisions d ON d.id = r.decision_id WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
    n = len(SAMPLE_COLUMNS.split(","))
    return [(sample_from_row(row[:n]), _decision(row[n:])) for row in rows]


def next_after(store: Store, flt: Filter, after_id: int) -> SampleRow | None:
    """The first matching sample with an id above `after_id` (the focus view's next)."""
    with store.connect() as db:
        frm, where, params, order = page_sql(db, flt)
        row = db.execute(
            f"SELECT {_SAMPLE_COLS} FROM {frm} WHERE {order} > ? AND {where} ORDER BY {order} LIMIT 1",
            (after_id, *params),
        ).fetchone()
    return sample_from_row(row) if row else None


def page_counts(store: Store, flt: Filter, cap: int = COUNT_CAP) -> tuple[dict[str, int], bool]:
    """The counts the queue shows: exact per status from the counters when the filter is run, leaf,
    branch and status only; otherwise counted up to `cap` matches. Returns (counts, capped): when
    capped, more than `cap` samples match and the per-status numbers cover only the first ones."""
    with store.connect() as db:
        if counted_only(flt):
            return counted(db, flt), False
        frm, where, params, _ = page_sql(db, flt)
        rows = db.execute(
            f"SELECT st, count(*) FROM (SELECT coalesce(r.status, 'new') AS st FROM {frm} WHERE {where} "
            "LIMIT ?) GROUP BY 1",
            (*params, cap + 1),
        ).fetchall()
    out = dict.fromkeys(STATUSES, 0)
    out.update({str(k): int(v) for k, v in rows})
    return out, sum(out.values()) > cap


def status_counts(store: Store, flt: Filter) -> dict[str, int]:
    """How many samples match the filter, per current status (every status present, zero or not)."""
    with store.connect() as db:
        if counted_only(flt):
            return counted(db, flt)
        if flt.search:
            sync_search(db)
        where, params = where_sql(flt)
        rows = db.execute(
            f"SELECT coalesce(r.status, 'new'), count(*) FROM {QUEUE_FROM} WHERE {where} GROUP BY 1", params
        ).fetchall()
    out = dict.fromkeys(STATUSES, 0)
    out.update({str(k): int(v) for k, v in rows})
    return out


def decision_counts(
    store: Store, run_ids: Sequence[int] = (), leaves: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """Per leaf: current status → count (status new included), from the counters."""
    with store.connect() as db:
        return counted_per_leaf(db, Filter(run_ids=tuple(run_ids), leaves=tuple(leaves)))


def current_decision(store: Store, sample_id: int) -> Decision | None:
    return current_decisions(store, [sample_id]).get(sample_id)


def current_decisions(store: Store, sample_ids: Sequence[int]) -> dict[int, Decision]:
    """The current decision of each of these samples that has one (status new: absent)."""
    out: dict[int, Decision] = {}
    with store.connect() as db:
        for sql, params in in_chunks("r.sample_id", sample_ids):
            for row in db.execute(
                f"SELECT {_DECISION_COLS} FROM review_state r JOIN decisions d ON d.id = r.decision_id "
                f"WHERE {sql}",
                params,
            ):
                dec = _decision(row)
                if dec is not None:
                    out[dec.sample_id] = dec
    return out


def get_sample(store: Store, sample_id: int) -> SampleRow | None:
    with store.connect() as db:
        row = db.execute(f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE id = ?", (sample_id,)).fetchone()
    return sample_from_row(row) if row else None


def review_history(store: Store, sample_id: int) -> list[HistoryEntry]:
    """Every decision on a sample, oldest first, undone ones included (marked)."""
    with store.connect() as db:
        rows = db.execute(
            f"SELECT {_DECISION_COLS}, d.action_id, d.undone FROM decisions d WHERE d.sample_id = ? "
            "ORDER BY d.id",
            (sample_id,),
        ).fetchall()
    return [HistoryEntry(Decision(*r[:8]), int(r[8]), bool(r[9])) for r in rows]


def recent_actions(store: Store, *, reviewer: str = "", limit: int = 20) -> list[Action]:
    with store.connect() as db:
        sql = "SELECT id, reviewer, kind, description, count, at, undone_at FROM review_actions"
        params: list[object] = []
        if reviewer:
            sql += " WHERE reviewer = ?"
            params.append(reviewer)
        rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
    return [Action(*r) for r in rows]


# ---- deciding -------------------------------------------------------------------------------------


def _refresh_state(db: sqlite3.Connection, action_id: int) -> None:
    """Recompute the current decision of every sample the action touched from its live decisions."""
    touched = "SELECT sample_id FROM decisions WHERE action_id = ?"
    shift_counts(db, touched, (action_id,), -1)
    db.execute(f"DELETE FROM review_state WHERE sample_id IN ({touched})", (action_id,))
    db.execute(
        "INSERT INTO review_state (sample_id, decision_id, status) "
        "SELECT d.sample_id, d.id, d.status FROM decisions d WHERE d.id IN ("
        f" SELECT max(id) FROM decisions WHERE undone = 0 AND sample_id IN ({touched}) GROUP BY sample_id)",
        (action_id,),
    )
    shift_counts(db, touched, (action_id,), 1)


def _changes(status: str) -> str:
    """SQL over `r`: the current status differs from `status` (an edited sample is already accepted)."""
    if status == "accepted":
        return "coalesce(r.status, 'new') NOT IN ('accepted', 'edited')"
    if status == "new":
        return "coalesce(r.status, 'new') != 'new'"
    return "coalesce(r.status, 'new') != 'rejected'"


def decide_matching(
    store: Store, flt: Filter, status: str, *, reviewer: str, reason: str = "", description: str = ""
) -> tuple[int | None, int]:
    """One decision on every sample of the filter whose status it changes, in one transaction.

    `status` is accepted, rejected or new (restore). Returns (action id or None, samples changed).
    """
    if status not in ("accepted", "rejected", "new"):
        raise ValueError(f"not a bulk status: {status}")
    now = time.time()
    with store.connect() as db:
        if flt.search:
            sync_search(db)
        where, params = where_sql(flt)
        cur = db.execute(
            "INSERT INTO review_actions (reviewer, kind, description, count, at) VALUES (?, ?, ?, 0, ?)",
            (reviewer, status, description, now),
        )
        action = int(cur.lastrowid or 0)
        cur = db.execute(
            "INSERT INTO decisions (action_id, sample_id, status, reviewer, reason, at) "
            f"SELECT ?, s.id, ?, ?, ?, ? FROM {QUEUE_FROM} WHERE {where} AND {_changes(status)} ORDER BY s.id",
            (action, status, reviewer, reason, now, *params),
        )
        changed = cur.rowcount
        if not changed:
            db.execute("DELETE FROM review_actions WHERE id = ?", (action,))
            return None, 0
        db.execute("UPDATE review_actions SET count = ? WHERE id = ?", (changed, action))
        touched = "SELECT sample_id FROM decisions WHERE action_id = ?"
        shift_counts(db, touched, (action,), -1)
        db.execute(
            "INSERT INTO review_state (sample_id, decision_id, status) "
            "SELECT sample_id, id, status FROM decisions WHERE action_id = ? "
            "ON CONFLICT (sample_id) DO UPDATE SET decision_id = excluded.decision_id, "
            "status = excluded.status",
            (action,),
        )
        shift_counts(db, touched, (action,), 1)
    return action, changed


def decide(
    store: Store,
    sample_id: int,
    status: str,
    *,
    reviewer: str,
    reason: str = "",
    question: str | None = None,
    answer: str | None = None,
    context: str | None = None,
) -> int:
    """One decision on one sample (an edit carries the edited text); returns the action id."""
    if status not in STATUSES:
        raise ValueError(f"unknown status: {status}")
    now = time.time()
    with store.connect() as db:
        if not db.execute("SELECT 1 FROM samples WHERE id = ?", (sample_id,)).fetchone():
            raise KeyError(sample_id)
        cur = db.execute(
            "INSERT INTO review_actions (reviewer, kind, description, count, at) VALUES (?, ?, ?, 1, ?)",
            (reviewer, status, f"#{sample_id}", now),
        )
        action = int(cur.lastrowid or 0)
        cur = db.execute(
            "INSERT INTO decisions (action_id, sample_id, status, reviewer, reason, at, question, answer, "
            "context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (action, sample_id, status, reviewer, reason, now, question, answer, context),
        )
        shift_counts(db, "?", (sample_id,), -1)
        db.execute(
            "INSERT INTO review_state (sample_id, decision_id, status) VALUES (?, ?, ?) "
            "ON CONFLICT (sample_id) DO UPDATE SET decision_id = excluded.decision_id, "
            "status = excluded.status",
            (sample_id, cur.lastrowid, status),
        )
        shift_counts(db, "?", (sample_id,), 1)
    return action


def undo(store: Store, *, reviewer: str = "", action_id: int | None = None) -> Action | None:
    """Undo one action (the reviewer's latest live one by default); returns it, or None if none is left."""
    with store.connect() as db:
        if action_id is None:
            sql = "SELECT id FROM review_actions WHERE undone_at IS NULL"
            params: list[object] = []
            if reviewer:
                sql += " AND reviewer = ?"
                params.append(reviewer)
            row = db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
            if not row:
                return None
            action_id = int(row[0])
        now = time.time()
        cur = db.execute(
            "UPDATE review_actions SET undone_at = ? WHERE id = ? AND undone_at IS NULL", (now, action_id)
        )
        if not cur.rowcount:
            return None
        db.execute("UPDATE decisions SET undone = 1 WHERE action_id = ?", (action_id,))
        _refresh_state(db, action_id)
        row = db.execute(
            "SELECT id, reviewer, kind, description, count, at, undone_at FROM review_actions WHERE id = ?",
            (action_id,),
        ).fetchone()
    return Action(*row)


def set_mark(store: Store, sample_id: int, reviewer: str, marked: bool = True) -> None:
    """Flag (or unflag) a sample for a second look by this reviewer."""
    with store.connect() as db:
        if marked:
            db.execute(
                "INSERT OR REPLACE INTO review_marks (sample_id, reviewer, at) VALUES (?, ?, ?)",
                (sample_id, reviewer, time.time()),
            )
        else:
            db.execute("DELETE FROM review_marks WHERE sample_id = ? AND reviewer = ?", (sample_id, reviewer))


def reviewer_decisions(store: Store) -> list[tuple[int, str, str, str]]:
    """(sample id, leaf, reviewer, status) of each reviewer's latest live decision, on samples that two
    or more reviewers decided (the input of agreement figures)."""
    with store.connect() as db:
        rows = db.execute(
            "SELECT d.sample_id, s.leaf_path, d.reviewer, d.status FROM decisions d "
            "JOIN samples s ON s.id = d.sample_id WHERE d.id IN ("
            " SELECT max(id) FROM decisions WHERE undone = 0 GROUP BY sample_id, reviewer) "
            "AND d.sample_id IN (SELECT sample_id FROM decisions WHERE undone = 0 "
            " GROUP BY sample_id HAVING count(DISTINCT reviewer) > 1) ORDER BY d.sample_id, d.reviewer"
        ).fetchall()
    return [(int(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def flag_counts(store: Store, flt: Filter | None = None) -> dict[str, int]:
    """Samples matching the filter that carry each gate's flag."""
    flt = flt or Filter()
    where, params = where_sql(flt)
    with store.connect() as db:
        rows = db.execute(
            f"SELECT f.gate, count(DISTINCT s.id) FROM {QUEUE_FROM} JOIN flags f ON f.sample_id = s.id "
            f"WHERE {where} GROUP BY 1",
            params,
        ).fetchall()
    return {str(g): int(c) for g, c in rows}
