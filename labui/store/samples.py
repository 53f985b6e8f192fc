"""Workspace tables of generation: runs, the leaves of each run, and every sample as it arrives.

This is the contract between the stages: generate writes runs and samples, review reads samples and
adds its own tables (area `review`), export reads both. Samples are append-only; a review never
rewrites a sample row (an edit is stored by review beside the original).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from labui.errors import WorkspaceError
from labui.procs import pid_alive
from labui.store.db import Store, fault, in_clause

MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        created_at     REAL NOT NULL,
        status         TEXT NOT NULL,      -- running | finished | cancelled | failed (interrupted: running, owner gone)
        config         TEXT NOT NULL,      -- JSON: options of the run (never the API key)
        teacher_model  TEXT NOT NULL,
        teacher_url    TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        owner_pid      INTEGER,            -- the process running it, to tell `interrupted` from `running`
        heartbeat_at   REAL,
        finished_at    REAL,
        counters       TEXT NOT NULL DEFAULT '{}'  -- JSON: requests, retries, failures by reason, drops by stage, tokens
    );
    CREATE TABLE run_leaves (
        run_id        INTEGER NOT NULL REFERENCES runs (id),
        leaf_path     TEXT NOT NULL,       -- folder relative to the taxonomy root
        kind          TEXT NOT NULL,       -- knowledge | freeform_skill | grounded_skill
        requested     INTEGER NOT NULL,    -- samples asked for
        seeds_sha256  TEXT NOT NULL,       -- sha256 of the leaf's qna.yaml when the run started (resume check)
        counters      TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (run_id, leaf_path)
    ) WITHOUT ROWID;
    CREATE TABLE samples (
        id                INTEGER PRIMARY KEY,
        run_id            INTEGER NOT NULL REFERENCES runs (id),
        leaf_path         TEXT NOT NULL,
        kind              TEXT NOT NULL,
        slot              INTEGER NOT NULL, -- 0..requested-1 within (run, leaf): resume fills the missing slots
        question          TEXT NOT NULL,
        answer            TEXT NOT NULL,
        context           TEXT,             -- NULL for freeform skills
        seed_ids          TEXT NOT NULL,    -- JSON list of the 1-based seed example numbers used
        teacher_model     TEXT NOT NULL,
        teacher_url       TEXT NOT NULL,
        prompt_version    TEXT NOT NULL,
        stages            TEXT NOT NULL DEFAULT '{}', -- JSON: per-stage outputs, judge scores
        raw               TEXT,             -- the teacher's reply as received
        finish_reason     TEXT,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        created_at        REAL NOT NULL,
        UNIQUE (run_id, leaf_path, slot)
    );
    CREATE INDEX samples_leaf ON samples (leaf_path, run_id);
    CREATE TABLE attempts (
        id         INTEGER PRIMARY KEY,
        run_id     INTEGER NOT NULL REFERENCES runs (id),
        leaf_path  TEXT NOT NULL,
        slot       INTEGER,
        stage      TEXT NOT NULL,          -- the pipeline stage that failed or dropped it
        outcome    TEXT NOT NULL,          -- failed | dropped | unparsed
        reason     TEXT NOT NULL,          -- e.g. http_429, timeout, parse_error, judge_low
        raw        TEXT,                   -- the reply as received, kept for the user to read
        created_at REAL NOT NULL
    );
    CREATE INDEX attempts_run ON attempts (run_id, leaf_path);
    """,
    # 2: why an attempt failed or was dropped, in words (the reason stays a stable code).
    "ALTER TABLE attempts ADD COLUMN detail TEXT",
]


@dataclass(frozen=True, slots=True)
class SampleRow:
    """One generated sample as stored (review decisions live in the review area, not here)."""

    id: int
    run_id: int
    leaf_path: str
    kind: str
    slot: int
    question: str
    answer: str
    context: str | None
    seed_ids: tuple[int, ...]
    teacher_model: str
    teacher_url: str
    prompt_version: str
    stages: dict[str, object]
    raw: str | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    created_at: float


SAMPLE_COLUMNS = (
    "id, run_id, leaf_path, kind, slot, question, answer, context, seed_ids, teacher_model, teacher_url, "
    "prompt_version, stages, raw, finish_reason, prompt_tokens, completion_tokens, created_at"
)


def sample_from_row(row: Sequence[object]) -> SampleRow:
    values = list(row)
    values[8] = tuple(json.loads(str(values[8])))
    values[12] = json.loads(str(values[12]))
    return SampleRow(*values)  # type: ignore[arg-type]


def insert_sample(db: sqlite3.Connection, sample: SampleRow) -> int:
    """Store one sample (its `id` is ignored) and return its new id; (run, leaf, slot) is unique."""
    cur = db.execute(
        f"INSERT INTO samples ({SAMPLE_COLUMNS.removeprefix('id, ')}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sample.run_id,
            sample.leaf_path,
            sample.kind,
            sample.slot,
            sample.question,
            sample.answer,
            sample.context,
            json.dumps(list(sample.seed_ids)),
            sample.teacher_model,
            sample.teacher_url,
            sample.prompt_version,
            json.dumps(sample.stages, sort_keys=True),
            sample.raw,
            sample.finish_reason,
            sample.prompt_tokens,
            sample.completion_tokens,
            sample.created_at or time.time(),
        ),
    )
    return int(cur.lastrowid or 0)


def iter_samples(
    store: Store, *, run_ids: Sequence[int] = (), leaves: Sequence[str] = (), batch: int = 1000
) -> Iterator[SampleRow]:
    """Samples in id order, streamed in batches (memory stays flat at any size), optionally filtered."""
    where: list[str] = []
    params: list[object] = []
    for column, values in (("run_id", run_ids), ("leaf_path", leaves)):
        if values:
            sql, more = in_clause(column, values)
            where.append(sql)
            params += more
    last = 0
    while True:
        clause = " AND ".join(["id > ?", *where])
        with store.connect() as db:
            rows = db.execute(
                f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE {clause} ORDER BY id LIMIT ?",
                (last, *params, batch),
            ).fetchall()
        if not rows:
            return
        for row in rows:
            yield sample_from_row(row)
        last = rows[-1][0]


# ---- runs: what the generate stage writes and reads back ------------------------------------------
# A running run whose owner has not beaten for this long is `interrupted` even if its pid is reused.
HEARTBEAT_STALE_S = 120.0


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    created_at: float
    status: str  # as seen now: running | interrupted | finished | cancelled | failed
    config: dict[str, Any]
    teacher_model: str
    teacher_url: str
    prompt_version: str
    owner_pid: int | None
    heartbeat_at: float | None
    finished_at: float | None
    counters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RunLeafRow:
    run_id: int
    leaf_path: str
    kind: str
    requested: int
    seeds_sha256: str
    counters: dict[str, Any]
    samples: int


@dataclass(frozen=True, slots=True)
class AttemptRow:
    id: int
    run_id: int
    leaf_path: str
    slot: int | None
    stage: str
    outcome: str
    reason: str
    raw: str | None
    detail: str | None
    created_at: float


def _effective_status(status: str, pid: int | None, heartbeat: float | None, now: float) -> str:
    if status != "running":
        return status
    if not pid_alive(pid) or heartbeat is None or now - heartbeat > HEARTBEAT_STALE_S:
        return "interrupted"
    return status


_RUN_COLUMNS = (
    "id, created_at, status, config, teacher_model, teacher_url, prompt_version, owner_pid, heartbeat_at, "
    "finished_at, counters"
)


def _run_from(row: Sequence[object], now: float) -> RunRow:
    v = list(row)
    status = _effective_status(str(v[2]), v[7], v[8], now)  # type: ignore[arg-type]
    return RunRow(
        int(v[0]),  # type: ignore[call-overload]
        float(v[1]),  # type: ignore[arg-type]
        status,
        json.loads(str(v[3])),
        str(v[4]),
        str(v[5]),
        str(v[6]),
        v[7],  # type: ignore[arg-type]
        v[8],  # type: ignore[arg-type]
        v[9],  # type: ignore[arg-type]
        json.loads(str(v[10])),
    )


def create_run(
    store: Store,
    *,
    config: dict[str, Any],
    teacher_model: str,
    teacher_url: str,
    prompt_version: str,
    leaves: Sequence[tuple[str, str, int, str]],
) -> int:
    """A new run (status `running`, owned by nobody until claimed) with its (path, kind, requested, sha)."""
    with store.connect() as db:
        cur = db.execute(
            "INSERT INTO runs (created_at, status, config, teacher_model, teacher_url, prompt_version) "
            "VALUES (?, 'running', ?, ?, ?, ?)",
            (time.time(), json.dumps(config, sort_keys=True), teacher_model, teacher_url, prompt_version),
        )
        run_id = int(cur.lastrowid or 0)
        db.executemany(
            "INSERT INTO run_leaves (run_id, leaf_path, kind, requested, seeds_sha256) VALUES (?, ?, ?, ?, ?)",
            [(run_id, path, kind, n, sha) for path, kind, n, sha in leaves],
        )
    return run_id


def claim_run(store: Store, run_id: int, pid: int) -> None:
    """Make `pid` the owner of the run and mark it running (a start or a resume)."""
    with store.connect() as db:
        db.execute(
            "UPDATE runs SET status = 'running', owner_pid = ?, heartbeat_at = ?, finished_at = NULL WHERE id = ?",
            (pid, time.time(), run_id),
        )


def get_run(store: Store, run_id: int) -> RunRow | None:
    with store.connect() as db:
        row = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _run_from(row, time.time()) if row else None


def list_runs(store: Store) -> list[tuple[RunRow, int, int, int]]:
    """Every run, oldest first, with (leaves, requested, samples)."""
    with store.connect() as db:
        rows = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id").fetchall()
        leaves = dict(
            (r[0], (r[1], r[2]))
            for r in db.execute("SELECT run_id, COUNT(*), SUM(requested) FROM run_leaves GROUP BY run_id")
        )
        samples = dict(db.execute("SELECT run_id, COUNT(*) FROM samples GROUP BY run_id").fetchall())
    now = time.time()
    out = []
    for row in rows:
        n_leaves, requested = leaves.get(row[0], (0, 0))
        out.append((_run_from(row, now), int(n_leaves), int(requested or 0), int(samples.get(row[0], 0))))
    return out


def run_leaves(store: Store, run_id: int) -> list[RunLeafRow]:
    with store.connect() as db:
        counts = dict(
            db.execute(
                "SELECT leaf_path, COUNT(*) FROM samples WHERE run_id = ? GROUP BY leaf_path", (run_id,)
            )
        )
        rows = db.execute(
            "SELECT run_id, leaf_path, kind, requested, seeds_sha256, counters FROM run_leaves "
            "WHERE run_id = ? ORDER BY leaf_path",
            (run_id,),
        ).fetchall()
    return [
        RunLeafRow(r[0], r[1], r[2], int(r[3]), r[4], json.loads(r[5]), int(counts.get(r[1], 0)))
        for r in rows
    ]


def filled_slots(store: Store, run_id: int) -> dict[str, set[int]]:
    """The slots that already hold a sample, per leaf: a resume fills only the others."""
    out: dict[str, set[int]] = {}
    with store.connect() as db:
        for leaf, slot in db.execute("SELECT leaf_path, slot FROM samples WHERE run_id = ?", (run_id,)):
            out.setdefault(leaf, set()).add(int(slot))
    return out


def attempts(store: Store, run_id: int, *, leaf: str | None = None, limit: int = 50) -> list[AttemptRow]:
    """The newest failed, dropped and unparsed attempts of a run (examples of what was lost and why)."""
    sql = (
        "SELECT id, run_id, leaf_path, slot, stage, outcome, reason, raw, detail, created_at FROM attempts "
        "WHERE run_id = ?"
    )
    params: list[object] = [run_id]
    if leaf is not None:
        sql += " AND leaf_path = ?"
        params.append(leaf)
    with store.connect() as db:
        rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
    return [AttemptRow(*r) for r in rows]


def recent_samples(store: Store, run_id: int, limit: int = 20) -> list[SampleRow]:
    """The newest samples of a run, newest first (the live view of a running job)."""
    with store.connect() as db:
        rows = db.execute(
            f"SELECT {SAMPLE_COLUMNS} FROM samples WHERE run_id = ? ORDER BY id DESC LIMIT ?", (run_id, limit)
        ).fetchall()
    return [sample_from_row(r) for r in rows]


def set_run_status(store: Store, run_id: int, status: str, counters: dict[str, Any] | None = None) -> None:
    with store.connect() as db:
        db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, counters = COALESCE(?, counters) WHERE id = ?",
            (status, time.time(), json.dumps(counters) if counters is not None else None, run_id),
        )


class RunWriter:
    """The one connection a running job writes through: each sample, attempt and counter update is
    its own short transaction, so a kill -9 loses at most the write in flight."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.run_id = run_id
        self._db = sqlite3.connect(store.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        self._db.close()

    def _tx(self, fn: Callable[[sqlite3.Connection], None]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                fn(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise WorkspaceError(f"cannot write the run to the workspace database: {fault(exc)}") from exc

    def _leaf_counters(self, db: sqlite3.Connection, leaf: str, counters: dict[str, Any]) -> None:
        db.execute(
            "UPDATE run_leaves SET counters = ? WHERE run_id = ? AND leaf_path = ?",
            (json.dumps(counters, sort_keys=True), self.run_id, leaf),
        )

    def add_sample(self, sample: SampleRow, counters: dict[str, Any]) -> bool:
        """Store the sample and its leaf's counters together; False when its slot was already filled."""
        added = [False]

        def work(db: sqlite3.Connection) -> None:
            try:
                insert_sample(db, sample)
                added[0] = True
            except sqlite3.IntegrityError:
                return
            self._leaf_counters(db, sample.leaf_path, counters)

        self._tx(work)
        return added[0]

    def add_attempt(
        self,
        leaf: str,
        slot: int | None,
        stage: str,
        outcome: str,
        reason: str,
        raw: str | None,
        detail: str | None,
        counters: dict[str, Any],
    ) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO attempts (run_id, leaf_path, slot, stage, outcome, reason, raw, detail, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, leaf, slot, stage, outcome, reason, raw, detail, time.time()),
            )
            self._leaf_counters(db, leaf, counters)

        self._tx(work)

    def heartbeat(self, counters: dict[str, Any]) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE runs SET heartbeat_at = ?, counters = ? WHERE id = ?",
                (time.time(), json.dumps(counters, sort_keys=True), self.run_id),
            )

        self._tx(work)
