"""Workspace tables of the quality gates: each flag with its evidence, judge scores, diversity per
(run, leaf), and which runs the gates went over. Review reads them to filter its queue; export reads
them for the dataset card. `labui.store.review` re-exports the names review and export use."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from labui.store.db import Store, in_chunks, in_clause

MIGRATIONS: list[str] = [
    """
    CREATE TABLE flags (
        sample_id INTEGER NOT NULL,
        gate      TEXT NOT NULL,
        reason    TEXT NOT NULL,
        score     REAL,
        other_id  INTEGER,                -- the sample it duplicates
        other_ref TEXT,                   -- or the seed / real record it copies
        spans     TEXT                    -- JSON [[field, start, end, kind], ...] (PII)
    );
    CREATE INDEX flags_sample ON flags (sample_id);
    CREATE INDEX flags_gate ON flags (gate, sample_id);
    CREATE TABLE judge_scores (
        sample_id INTEGER PRIMARY KEY,
        score     REAL NOT NULL
    );
    CREATE TABLE diversity (
        run_id             INTEGER NOT NULL,
        leaf_path          TEXT NOT NULL,
        n                  INTEGER NOT NULL,
        vendi_per_n        REAL NOT NULL,
        mean_distance      REAL NOT NULL,
        seed_vendi_per_n   REAL,
        seed_mean_distance REAL,
        warning            TEXT NOT NULL DEFAULT '',
        at                 REAL NOT NULL,
        PRIMARY KEY (run_id, leaf_path)
    ) WITHOUT ROWID;
    CREATE TABLE gate_runs (
        run_id INTEGER PRIMARY KEY,        -- a run the gates went over, and when
        gates  TEXT NOT NULL,              -- JSON list of the gates that ran
        at     REAL NOT NULL
    )
    """,
    # The last sample id the model-free gates went over on arrival (samples are append-only).
    """
    CREATE TABLE gate_meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
]


@dataclass(frozen=True, slots=True)
class Flag:
    """One gate's finding on a sample with its evidence: the other side is a sample id or a ref text."""

    sample_id: int
    gate: str
    reason: str
    score: float | None
    other: int | str | None
    spans: tuple[tuple[str, int, int, str], ...] = field(default=())  # (field, start, end, kind)


@dataclass(frozen=True, slots=True)
class Diversity:
    run_id: int
    leaf_path: str
    n: int
    vendi_per_n: float
    mean_distance: float
    seed_vendi_per_n: float | None
    seed_mean_distance: float | None
    warning: str


# ---- flags ----------------------------------------------------------------------------------------


def _flag(row: Sequence[Any]) -> Flag:
    sample_id, gate, reason, score, other_id, other_ref, spans = row
    other: int | str | None = int(other_id) if other_id is not None else (other_ref or None)
    span_list = tuple(tuple(s) for s in json.loads(spans)) if spans else ()
    return Flag(int(sample_id), gate, reason, score, other, span_list)


def flags_for(store: Store, sample_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """The flags of each sample (samples without flags are absent)."""
    ids = list(sample_ids)
    out: dict[int, list[Flag]] = {}
    with store.connect() as db:
        for sql, params in in_chunks("sample_id", ids):
            for row in db.execute(
                "SELECT sample_id, gate, reason, score, other_id, other_ref, spans FROM flags "
                f"WHERE {sql} ORDER BY sample_id, gate, rowid",
                params,
            ):
                flag = _flag(row)
                out.setdefault(flag.sample_id, []).append(flag)
    return out


def replace_flags(
    store: Store,
    sample_ids: Sequence[int],
    flags: Iterable[Flag],
    judge: Iterable[tuple[int, float]] = (),
    *,
    gates: Sequence[str] = (),
) -> None:
    """Set the flags (and judge scores) of these samples to exactly `flags`, in one transaction.

    With `gates`, only those gates' flags are replaced (the others, e.g. semantic ones from an earlier
    full pass, are kept)."""
    with store.connect() as db:
        db.execute("CREATE TEMP TABLE IF NOT EXISTS gate_scope (id INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM gate_scope")
        db.executemany("INSERT OR IGNORE INTO gate_scope VALUES (?)", ((i,) for i in sample_ids))
        only, only_params = in_clause("gate", gates) if gates else ("1", [])
        db.execute(
            f"DELETE FROM flags WHERE sample_id IN (SELECT id FROM gate_scope) AND {only}", only_params
        )
        if not gates or "judge" in gates:
            db.execute("DELETE FROM judge_scores WHERE sample_id IN (SELECT id FROM gate_scope)")
        db.executemany(
            "INSERT INTO flags (sample_id, gate, reason, score, other_id, other_ref, spans) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    f.sample_id,
                    f.gate,
                    f.reason,
                    f.score,
                    f.other if isinstance(f.other, int) else None,
                    f.other if isinstance(f.other, str) else None,
                    json.dumps([list(s) for s in f.spans]) if f.spans else None,
                )
                for f in flags
            ),
        )
        db.executemany("INSERT OR REPLACE INTO judge_scores VALUES (?, ?)", judge)
        db.execute("DELETE FROM gate_scope")


def save_diversity(store: Store, rows: Iterable[Diversity]) -> None:
    with store.connect() as db:
        db.executemany(
            "INSERT OR REPLACE INTO diversity VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    d.run_id,
                    d.leaf_path,
                    d.n,
                    d.vendi_per_n,
                    d.mean_distance,
                    d.seed_vendi_per_n,
                    d.seed_mean_distance,
                    d.warning,
                    time.time(),
                )
                for d in rows
            ),
        )


def diversity_rows(store: Store, run_ids: Sequence[int] = ()) -> list[Diversity]:
    sql = (
        "SELECT run_id, leaf_path, n, vendi_per_n, mean_distance, seed_vendi_per_n, seed_mean_distance, "
        "warning FROM diversity"
    )
    params: list[object] = []
    if run_ids:
        clause, params = in_clause("run_id", run_ids)
        sql += " WHERE " + clause
    with store.connect() as db:
        rows = db.execute(sql + " ORDER BY leaf_path, run_id", params).fetchall()
    return [Diversity(*r) for r in rows]


def record_gate_run(store: Store, run_ids: Iterable[int], gates: Sequence[str]) -> None:
    """Remember that these gates went over these runs (export lists them as passed)."""
    now = time.time()
    with store.connect() as db:
        db.executemany(
            "INSERT OR REPLACE INTO gate_runs (run_id, gates, at) VALUES (?, ?, ?)",
            ((r, json.dumps(list(gates)), now) for r in run_ids),
        )


def gates_ran(store: Store, run_id: int) -> tuple[str, ...]:
    """The gates that went over a run (empty when they never did)."""
    with store.connect() as db:
        row = db.execute("SELECT gates FROM gate_runs WHERE run_id = ?", (run_id,)).fetchone()
    return tuple(json.loads(row[0])) if row else ()


def arrival_mark(store: Store) -> int:
    """The highest sample id the gates on arrival went over (0: none yet)."""
    with store.connect() as db:
        row = db.execute("SELECT value FROM gate_meta WHERE key = 'arrival_upto'").fetchone()
    return int(row[0]) if row else 0


def set_arrival_mark(store: Store, upto: int) -> None:
    with store.connect() as db:
        db.execute(
            "INSERT INTO gate_meta (key, value) VALUES ('arrival_upto', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            (upto,),
        )


def arrivals(store: Store, after: int) -> tuple[int, dict[str, list[int]]]:
    """(the highest sample id now, the leaves of the samples above `after` → their run ids)."""
    with store.connect() as db:
        top = int(db.execute("SELECT coalesce(max(id), 0) FROM samples").fetchone()[0])
        rows = db.execute(
            "SELECT DISTINCT leaf_path, run_id FROM samples WHERE id > ? AND id <= ?", (after, top)
        ).fetchall()
    out: dict[str, list[int]] = {}
    for leaf, run in rows:
        out.setdefault(str(leaf), []).append(int(run))
    return top, out
