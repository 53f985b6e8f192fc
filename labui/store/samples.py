"""Workspace tables of generation: runs, the leaves of each run, and every sample as it arrives.

This is the contract between the stages: generate writes runs and samples, review reads samples and
adds its own tables (area `review`), export reads both. Samples are append-only; a review never
rewrites a sample row (an edit is stored by review beside the original).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from labui.store.db import Store

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
    if run_ids:
        where.append(f"run_id IN ({', '.join('?' * len(run_ids))})")
        params.extend(run_ids)
    if leaves:
        where.append(f"leaf_path IN ({', '.join('?' * len(leaves))})")
        params.extend(leaves)
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
