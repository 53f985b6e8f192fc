"""Workspace table of leaf verdicts: what validation found, keyed by the leaf's content.

The key (labui.taxonomy.keys.verdict_key) hashes the leaf's place, its qna.yaml bytes, its
attribution and the version of the rules, so a hit is exactly what validating again would give. The
value is JSON written and read by the taxonomy stage. Rows unused for `MAX_AGE_S` go on the next write,
so edits do not grow the table for ever.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from labui.errors import WorkspaceError
from labui.store.db import Store, in_chunks

MIGRATIONS: list[str] = [
    """
    CREATE TABLE leaf_verdicts (
        key       TEXT PRIMARY KEY,        -- sha256 of place + qna.yaml + attribution + rules version
        verdict   TEXT NOT NULL,           -- JSON: version, contents (when JSON keeps them), diagnostics
        last_used INTEGER NOT NULL         -- unix seconds
    ) WITHOUT ROWID;
    CREATE INDEX leaf_verdicts_last_used ON leaf_verdicts (last_used);
    """,
]

MAX_AGE_S = 30 * 24 * 3600
TOUCH_AFTER_S = 24 * 3600  # refresh last_used at most daily: a warm read stays a pure read


class Verdicts:
    """The verdict cache of one workspace, in the shape `load_taxonomy(verdicts=...)` asks for."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        stale: list[str] = []
        now = int(time.time())
        with self.store.connect() as db:
            for sql, params in in_chunks("key", keys):
                rows = db.execute(
                    f"SELECT key, verdict, last_used FROM leaf_verdicts WHERE {sql}", params
                ).fetchall()
                for key, verdict, last_used in rows:
                    out[key] = verdict
                    if now - last_used > TOUCH_AFTER_S:
                        stale.append(key)
            if stale:
                db.executemany(
                    "UPDATE leaf_verdicts SET last_used = ? WHERE key = ?", [(now, k) for k in stale]
                )
        self.hits += len(out)
        self.misses += len(keys) - len(out)
        return out

    def put_many(self, rows: Iterable[tuple[str, str]]) -> None:
        now = int(time.time())
        with self.store.connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO leaf_verdicts (key, verdict, last_used) VALUES (?, ?, ?)",
                [(key, verdict, now) for key, verdict in rows],
            )
            db.execute("DELETE FROM leaf_verdicts WHERE last_used < ?", (now - MAX_AGE_S,))

    def clear(self) -> int:
        """Forget every verdict; returns how many there were."""
        with self.store.connect() as db:
            return int(db.execute("DELETE FROM leaf_verdicts").rowcount)


def open_verdicts(
    taxonomy_root: Path, on_error: Callable[[WorkspaceError], None] | None = None
) -> Verdicts | None:
    """The verdict cache of a taxonomy's workspace, or None when the workspace cannot be used (the
    cache only saves time: a read-only or broken workspace must not stop anyone from loading).
    `on_error` is told why, e.g. to say it on stderr."""
    try:
        return Verdicts(Store.for_taxonomy(taxonomy_root, areas=("verdicts",)))
    except WorkspaceError as exc:
        if on_error is not None:
            on_error(exc)
        return None
