"""Workspace table of the embedding cache: one vector per (encoder, sha256 of the text).

Each row keeps the time of its last use, so that the cache can stay under a size cap by evicting the
least recently used."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from labui.store.db import in_chunks

MIGRATIONS: list[str] = [
    """
    CREATE TABLE embeddings (
        model   TEXT NOT NULL,             -- encoder name or path
        sha256  TEXT NOT NULL,             -- sha256 of the embedded text
        dim     INTEGER NOT NULL,
        vector  BLOB NOT NULL,             -- float32, normalised
        PRIMARY KEY (model, sha256)
    ) WITHOUT ROWID;
    """,
    # 2: a rowid table (a WITHOUT ROWID row over ~1 kB spills to its own overflow page: 1.5 kB
    # vectors took 5 kB each on disk) and the time of last use, for least-recently-used eviction.
    """
    CREATE TABLE embeddings_v2 (
        model     TEXT NOT NULL,
        sha256    TEXT NOT NULL,
        dim       INTEGER NOT NULL,
        vector    BLOB NOT NULL,
        last_used INTEGER NOT NULL DEFAULT 0,  -- unix seconds
        UNIQUE (model, sha256)
    );
    INSERT INTO embeddings_v2 (model, sha256, dim, vector) SELECT model, sha256, dim, vector FROM embeddings;
    DROP TABLE embeddings;
    ALTER TABLE embeddings_v2 RENAME TO embeddings;
    CREATE INDEX embeddings_last_used ON embeddings (last_used);
    """,
]

# What a row costs on disk beside its vector: key text, integers, the unique and last-use index
# entries, and page slack (two 1.6 kB rows fill a 4 kB page). Measured: 2,159 bytes a row for a
# 384-float vector after VACUUM, so the estimate tracks the file, not just the vectors.
ROW_OVERHEAD = 620


@dataclass(frozen=True, slots=True)
class CacheSize:
    """Rows and estimated bytes of the cache, in all and per model."""

    rows: int
    bytes: int
    models: dict[str, tuple[int, int]]  # model -> (rows, bytes)


def lookup(db: sqlite3.Connection, model: str, dim: int, hashes: Sequence[str]) -> dict[str, bytes]:
    """The stored vector bytes of these hashes (missing ones are absent), in IN-query chunks."""
    found: dict[str, bytes] = {}
    for sql, params in in_chunks("sha256", hashes):
        rows = db.execute(
            f"SELECT sha256, vector FROM embeddings WHERE model = ? AND dim = ? AND {sql}",
            (model, dim, *params),
        )
        found.update(rows)
    return found


def touch(db: sqlite3.Connection, model: str, hashes: Sequence[str], now: int, granularity: int) -> None:
    """Mark rows as used now; rows marked within `granularity` seconds are left alone (no rewrite of
    a hot cache on every run)."""
    for sql, params in in_chunks("sha256", hashes):
        db.execute(
            f"UPDATE embeddings SET last_used = ? WHERE model = ? AND {sql} AND last_used < ?",
            (now, model, *params, now - granularity),
        )


def insert(db: sqlite3.Connection, model: str, dim: int, rows: Iterable[tuple[str, bytes]], now: int) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO embeddings (model, sha256, dim, vector, last_used) VALUES (?, ?, ?, ?, ?)",
        ((model, sha, dim, blob, now) for sha, blob in rows),
    )


def size(db: sqlite3.Connection) -> CacheSize:
    rows = db.execute(
        "SELECT model, COUNT(*), COALESCE(SUM(length(vector)), 0) FROM embeddings GROUP BY model ORDER BY model"
    ).fetchall()
    models = {m: (int(n), int(b) + int(n) * ROW_OVERHEAD) for m, n, b in rows}
    return CacheSize(
        rows=sum(n for n, _ in models.values()), bytes=sum(b for _, b in models.values()), models=models
    )


def evict(db: sqlite3.Connection, down_to: int) -> int:
    """Delete the least recently used rows until the cache is estimated at `down_to` bytes or less;
    returns the rows deleted. One DELETE per call: the rows to drop are counted from the oldest."""
    current = size(db)
    excess = current.bytes - down_to
    if excess <= 0 or current.rows == 0:
        return 0
    per_row = current.bytes / current.rows
    n = min(current.rows, int(excess / per_row) + 1)
    cur = db.execute(
        "DELETE FROM embeddings WHERE rowid IN (SELECT rowid FROM embeddings ORDER BY last_used LIMIT ?)",
        (n,),
    )
    return int(cur.rowcount)


def clear(db: sqlite3.Connection) -> int:
    """Delete every cached vector; returns the rows deleted."""
    return int(db.execute("DELETE FROM embeddings").rowcount)


def count(db: sqlite3.Connection, model: str) -> int:
    return int(db.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0])


def vacuum(path: str) -> None:
    """Give the space of deleted rows back to the file system (outside any transaction, as SQLite needs)."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("VACUUM")
    finally:
        db.close()
