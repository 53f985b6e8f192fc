"""Workspace full-text index of the samples (SQLite FTS5), for the review queue's search box.

The index is contentless (it stores no second copy of the text) and filled incrementally: samples
are append-only, so `sync_search` adds the rows above the last id it indexed, in the same
transaction as the query that needs them.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    """
    CREATE TABLE search_meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE samples_fts USING fts5 (question, answer, context, content='')
    """,
]


def fts_query(text: str) -> str:
    """User words as an FTS5 query of quoted terms (no operator or syntax error reaches SQLite)."""
    words = [w.replace('"', '""') for w in text.split() if w.strip('"')]
    return " ".join(f'"{w}"' for w in words)


def sync_search(db: sqlite3.Connection) -> int:
    """Index the samples added since the last sync; returns how many."""
    row = db.execute("SELECT value FROM search_meta WHERE key = 'fts_upto'").fetchone()
    upto = int(row[0]) if row else 0
    top = db.execute("SELECT coalesce(max(id), 0) FROM samples").fetchone()[0]
    if top <= upto:
        return 0
    cur = db.execute(
        "INSERT INTO samples_fts (rowid, question, answer, context) "
        "SELECT id, question, answer, coalesce(context, '') FROM samples WHERE id > ? AND id <= ?",
        (upto, top),
    )
    db.execute(
        "INSERT INTO search_meta (key, value) VALUES ('fts_upto', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (top,),
    )
    return cur.rowcount
