"""The workspace database: one SQLite file per taxonomy, under `.labui/` beside it.

Holds what is not the taxonomy itself: editor drafts, the embedding cache, and (later) generation
runs, samples and review decisions. Schema changes are numbered migrations applied in order in one
transaction each, so an old workspace opens with a newer labui. WAL mode lets the app's threads and
a CLI read while one writes; every write is its own short transaction, so a killed process loses
at most the write in flight.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WORKSPACE_DIR = ".labui"
DB_NAME = "workspace.sqlite"

# Each area of the workspace owns a module here with its tables and every SQL statement that touches
# them; `MIGRATIONS` in that module is append-only (never edit one that has shipped). Applied
# migrations are recorded per (area, number), so areas grow independently.
AREAS: tuple[str, ...] = ("drafts", "embeddings", "samples")


def _area_migrations() -> list[tuple[str, int, str]]:
    out = []
    for area in AREAS:
        module = importlib.import_module(f"labui.store.{area}")
        for number, script in enumerate(module.MIGRATIONS, start=1):
            out.append((area, number, script))
    return out


def default_workspace(taxonomy_root: Path) -> Path:
    """`.labui/` beside the taxonomy when writable, else a per-taxonomy folder in the user cache.

    `LABUI_WORKSPACE` overrides both (CI, read-only checkouts, shared machines).
    """
    env = os.environ.get("LABUI_WORKSPACE")
    if env:
        return Path(env).expanduser()
    local = taxonomy_root / WORKSPACE_DIR
    if (local.is_dir() and os.access(local, os.W_OK)) or os.access(taxonomy_root, os.W_OK):
        return local
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "labui" / "workspaces"
    digest = hashlib.sha256(str(taxonomy_root.resolve()).encode()).hexdigest()[:16]
    return cache / f"{taxonomy_root.name}-{digest}"


@dataclass(frozen=True, slots=True)
class Draft:
    leaf_path: str
    base_sha256: str | None
    text: str
    updated_at: float


class Store:
    """A handle on one workspace database. Cheap to create; connections are opened per use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            self._migrate(db)

    @classmethod
    def for_taxonomy(cls, taxonomy_root: Path) -> Store:
        return cls(default_workspace(taxonomy_root) / DB_NAME)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction: committed on success, rolled back on error."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " area TEXT NOT NULL, number INTEGER NOT NULL, PRIMARY KEY (area, number)) WITHOUT ROWID"
        )
        done = set(db.execute("SELECT area, number FROM schema_migrations").fetchall())
        legacy = db.execute("PRAGMA user_version").fetchone()[0]
        if legacy and not done:
            # Workspaces from before areas numbered one list: 1 = drafts + embeddings, 2 = draft meta.
            done = {("drafts", 1), ("embeddings", 1)} | ({("drafts", 2)} if legacy >= 2 else set())
            db.executemany("INSERT INTO schema_migrations VALUES (?, ?)", sorted(done))
        for area, number, script in _area_migrations():
            if (area, number) in done:
                continue
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (area, number))

    def schema_versions(self) -> dict[str, int]:
        """The newest migration applied, per area."""
        with self.connect() as db:
            rows = db.execute("SELECT area, MAX(number) FROM schema_migrations GROUP BY area").fetchall()
        return {area: int(n) for area, n in rows}

    # ---- drafts ---------------------------------------------------------------------------------

    def save_draft(self, leaf_path: str, text: str, base_sha256: str | None) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO drafts (leaf_path, base_sha256, text, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (leaf_path) DO UPDATE SET base_sha256 = excluded.base_sha256, "
                "text = excluded.text, updated_at = excluded.updated_at",
                (leaf_path, base_sha256, text, time.time()),
            )

    def draft(self, leaf_path: str) -> Draft | None:
        with self.connect() as db:
            row = db.execute(
                "SELECT leaf_path, base_sha256, text, updated_at FROM drafts WHERE leaf_path = ?",
                (leaf_path,),
            ).fetchone()
        return Draft(*row) if row else None

    def drafts(self) -> list[Draft]:
        with self.connect() as db:
            rows = db.execute(
                "SELECT leaf_path, base_sha256, text, updated_at FROM drafts ORDER BY leaf_path"
            ).fetchall()
        return [Draft(*r) for r in rows]

    def discard_draft(self, leaf_path: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM drafts WHERE leaf_path = ?", (leaf_path,))
