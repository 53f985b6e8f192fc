"""Workspace tables of review: decisions (append-only history, undoable actions) and the queue's filter.

A decision never rewrites a sample: an edit is stored here beside the original. Every change is one
`review_actions` row (a single click or a bulk action over any number of samples) with its decisions;
undo marks the action's decisions undone and recomputes the current state of those samples from what
remains. `review_state` holds the current decision per sample so the queue filters at 1.2M rows
without scanning the history. Search goes through the `search` area's FTS5 index.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from labui.store.db import Store

# Flags live in the gates area; these names stay importable from here (review and export use them).
from labui.store.gates import Diversity as Diversity
from labui.store.gates import Flag as Flag
from labui.store.gates import diversity_rows as diversity_rows
from labui.store.gates import flags_for as flags_for
from labui.store.gates import gates_ran as gates_ran
from labui.store.gates import replace_flags as replace_flags
from labui.store.gates import save_diversity as save_diversity
from labui.store.samples import SAMPLE_COLUMNS, SampleRow, sample_from_row
from labui.store.search import fts_query, sync_search

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
]

STATUSES = ("new", "accepted", "rejected", "edited")


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


@dataclass(frozen=True, slots=True)
class Filter:
    """What the queue, bulk actions and the CLI match; empty fields match everything."""

    run_ids: tuple[int, ...] = ()
    leaves: tuple[str, ...] = ()
    branch: str = ""  # a folder prefix: every leaf under it
    statuses: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()  # any of these flags
    unflagged: bool = False
    judge_max: float | None = None  # judge score at most this
    search: str = ""  # FTS5 words
    ids: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()
    marked_by: str = ""  # flagged for a second look by this reviewer ("*": anyone)


def _in(column: str, values: Sequence[object]) -> tuple[str, list[object]]:
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def _where(flt: Filter) -> tuple[str, list[object]]:
    """The WHERE clause over `samples s LEFT JOIN review_state r` for a filter."""
    parts: list[str] = []
    params: list[object] = []
    for column, values in (("s.run_id", flt.run_ids), ("s.leaf_path", flt.leaves), ("s.id", flt.ids)):
        if values:
            sql, p = _in(column, values)
            parts.append(sql)
            params += p
    if flt.branch:
        prefix = flt.branch.rstrip("/")
        # A range on the leaf index: every path under "a/b/" sorts between "a/b/" and "a/b0".
        parts.append("(s.leaf_path = ? OR (s.leaf_path >= ? AND s.leaf_path < ?))")
        params += [prefix, prefix + "/", prefix + "0"]
    if flt.statuses:
        sql, p = _in("coalesce(r.status, 'new')", flt.statuses)
        parts.append(sql)
        params += p
    if flt.gates:
        sql, p = _in("f.gate", flt.gates)
        parts.append(f"EXISTS (SELECT 1 FROM flags f WHERE f.sample_id = s.id AND {sql})")
        params += p
    if flt.unflagged:
        parts.append("NOT EXISTS (SELECT 1 FROM flags f WHERE f.sample_id = s.id)")
    if flt.judge_max is not None:
        parts.append("EXISTS (SELECT 1 FROM judge_scores j WHERE j.sample_id = s.id AND j.score <= ?)")
        params.append(flt.judge_max)
    if flt.search.strip():
        parts.append("s.id IN (SELECT rowid FROM samples_fts WHERE samples_fts MATCH ?)")
        params.append(fts_query(flt.search))
    if flt.exclude:
        sql, p = _in("s.id", flt.exclude)
        parts.append("NOT " + sql)
        params += p
    if flt.marked_by == "*":
        parts.append("EXISTS (SELECT 1 FROM review_marks m WHERE m.sample_id = s.id)")
    elif flt.marked_by:
        parts.append("EXISTS (SELECT 1 FROM review_marks m WHERE m.sample_id = s.id AND m.reviewer = ?)")
        params.append(flt.marked_by)
    return (" AND ".join(parts) or "1"), params


_FROM = "samples s LEFT JOIN review_state r ON r.sample_id = s.id"
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
    where, params = _where(Filter(run_ids=tuple(run_ids), leaves=tuple(leaves), statuses=tuple(statuses)))
    last = 0
    while True:
        with store.connect() as db:
            rows = db.execute(
                f"SELECT {_SAMPLE_COLS}, {_DECISION_COLS} FROM {_FROM} "
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


def queue_page(
    store: Store, flt: Filter, *, offset: int = 0, limit: int = 50
) -> list[tuple[SampleRow, Decision | None]]:
    """One page of the queue: the matching samples in id order with their current decision."""
    with store.connect() as db:
        if flt.search:
            sync_search(db)
        where, params = _where(flt)
        rows = db.execute(
            f"SELECT {_SAMPLE_COLS}, {_DECISION_COLS} FROM {_FROM} "
            f"LEFT JOIN decisions d ON d.id = r.decision_id WHERE {where} ORDER BY s.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        ).fetchall()
    n = len(SAMPLE_COLUMNS.split(","))
    return [(sample_from_row(row[:n]), _decision(row[n:])) for row in rows]


def next_after(store: Store, flt: Filter, after_id: int) -> SampleRow | None:
    """The first matching sample with an id above `after_id` (the focus view's next)."""
    with store.connect() as db:
        if flt.search:
            sync_search(db)
        where, params = _where(flt)
        row = db.execute(
            f"SELECT {_SAMPLE_COLS} FROM {_FROM} WHERE s.id > ? AND {where} ORDER BY s.id LIMIT 1",
            (after_id, *params),
        ).fetchone()
    return sample_from_row(row) if row else None


def status_counts(store: Store, flt: Filter) -> dict[str, int]:
    """How many samples match the filter, per current status (every status present, zero or not)."""
    with store.connect() as db:
        if flt.search:
            sync_search(db)
        where, params = _where(flt)
        rows = db.execute(
            f"SELECT coalesce(r.status, 'new'), count(*) FROM {_FROM} WHERE {where} GROUP BY 1", params
        ).fetchall()
    out = dict.fromkeys(STATUSES, 0)
    out.update({str(k): int(v) for k, v in rows})
    return out


def decision_counts(
    store: Store, run_ids: Sequence[int] = (), leaves: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """Per leaf: current status → count (status new included)."""
    where, params = _where(Filter(run_ids=tuple(run_ids), leaves=tuple(leaves)))
    with store.connect() as db:
        rows = db.execute(
            f"SELECT s.leaf_path, coalesce(r.status, 'new'), count(*) FROM {_FROM} WHERE {where} "
            "GROUP BY 1, 2 ORDER BY 1",
            params,
        ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for leaf, status, count in rows:
        out.setdefault(leaf, dict.fromkeys(STATUSES, 0))[status] = int(count)
    return out


def current_decision(store: Store, sample_id: int) -> Decision | None:
    with store.connect() as db:
        row = db.execute(
            f"SELECT {_DECISION_COLS} FROM review_state r JOIN decisions d ON d.id = r.decision_id "
            "WHERE r.sample_id = ?",
            (sample_id,),
        ).fetchone()
    return _decision(row) if row else None


def current_decisions(store: Store, sample_ids: Sequence[int]) -> dict[int, Decision]:
    """The current decision of each of these samples that has one (status new: absent)."""
    out: dict[int, Decision] = {}
    with store.connect() as db:
        for start in range(0, len(sample_ids), 900):
            sql, params = _in("r.sample_id", list(sample_ids[start : start + 900]))
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
    db.execute(f"DELETE FROM review_state WHERE sample_id IN ({touched})", (action_id,))
    db.execute(
        "INSERT INTO review_state (sample_id, decision_id, status) "
        "SELECT d.sample_id, d.id, d.status FROM decisions d WHERE d.id IN ("
        f" SELECT max(id) FROM decisions WHERE undone = 0 AND sample_id IN ({touched}) GROUP BY sample_id)",
        (action_id,),
    )


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
        where, params = _where(flt)
        cur = db.execute(
            "INSERT INTO review_actions (reviewer, kind, description, count, at) VALUES (?, ?, ?, 0, ?)",
            (reviewer, status, description, now),
        )
        action = int(cur.lastrowid or 0)
        cur = db.execute(
            "INSERT INTO decisions (action_id, sample_id, status, reviewer, reason, at) "
            f"SELECT ?, s.id, ?, ?, ?, ? FROM {_FROM} WHERE {where} AND {_changes(status)} ORDER BY s.id",
            (action, status, reviewer, reason, now, *params),
        )
        changed = cur.rowcount
        if not changed:
            db.execute("DELETE FROM review_actions WHERE id = ?", (action,))
            return None, 0
        db.execute("UPDATE review_actions SET count = ? WHERE id = ?", (changed, action))
        db.execute(
            "INSERT INTO review_state (sample_id, decision_id, status) "
            "SELECT sample_id, id, status FROM decisions WHERE action_id = ? "
            "ON CONFLICT (sample_id) DO UPDATE SET decision_id = excluded.decision_id, "
            "status = excluded.status",
            (action,),
        )
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
        db.execute(
            "INSERT INTO review_state (sample_id, decision_id, status) VALUES (?, ?, ?) "
            "ON CONFLICT (sample_id) DO UPDATE SET decision_id = excluded.decision_id, "
            "status = excluded.status",
            (sample_id, cur.lastrowid, status),
        )
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


def flag_counts(store: Store, flt: Filter = Filter()) -> dict[str, int]:
    """Samples matching the filter that carry each gate's flag."""
    where, params = _where(flt)
    with store.connect() as db:
        rows = db.execute(
            f"SELECT f.gate, count(DISTINCT s.id) FROM {_FROM} JOIN flags f ON f.sample_id = s.id "
            f"WHERE {where} GROUP BY 1",
            params,
        ).fetchall()
    return {str(g): int(c) for g, c in rows}
