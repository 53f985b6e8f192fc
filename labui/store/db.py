"""The workspace database: one SQLite file per taxonomy, under `.labui/` beside it.

Holds what is not the taxonomy itself: editor drafts, the embedding cache, and (later) generation
runs, samples and review decisions. Schema changes are numbered migrations applied in order in one
transaction each, so an old workspace opens with a newer labui. WAL mode lets the app's threads and
a CLI read while one writes; every write is its own short transaction, so a killed process loses
at most the write in flight.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from labui.errors import WorkspaceError
from labui.fsio import write_fault
from labui.store.workspace import default_workspace, ignore_workspace

DB_NAME = "workspace.sqlite"

# Each area of the workspace owns a module here with its tables and every SQL statement that touches
# them; `MIGRATIONS` in that module is append-only (never edit one that has shipped). Applied
# migrations are recorded per (area, number), so areas grow independently.
AREAS: tuple[str, ...] = ("drafts", "embeddings", "samples", "review", "verdicts", "gates", "search")
# Bound parameters per statement: SQLite allows 32766 on current builds, 999 on old ones.
SQL_CHUNK = 900


def in_clause(column: str, values: Sequence[object]) -> tuple[str, list[object]]:
    """`column IN (?, ...)` and its parameters; more than SQL_CHUNK values go through `in_chunks`."""
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def in_chunks(column: str, values: Sequence[object]) -> Iterator[tuple[str, list[object]]]:
    """`in_clause` over `values` in pieces of SQL_CHUNK: one statement per piece, any number of values."""
    for start in range(0, len(values), SQL_CHUNK):
        yield in_clause(column, values[start : start + SQL_CHUNK])


def _area_migrations(areas: tuple[str, ...] = AREAS) -> list[tuple[str, int, str]]:
    out = []
    for area in areas:
        module = importlib.import_module(f"labui.store.{area}")
        for number, script in enumerate(module.MIGRATIONS, start=1):
            out.append((area, number, script))
    return out


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def fault(exc: sqlite3.Error) -> str:
    """SQLite's words for a fault, with what a person can do about the common ones."""
    text = str(exc)
    if any(w in text for w in ("disk is full", "disk I/O error", "readonly database")):
        text += " (is the disk full, or the workspace folder read-only? free space and run it again)"
    elif "database is locked" in text:
        text += " (another labui process is writing; try again when it is done)"
    return text


class Store:
    """A handle on one workspace database. Cheap to create; connections are opened per use."""

    def __init__(self, path: Path, areas: tuple[str, ...] = AREAS) -> None:
        """Open (creating if needed) the workspace database at `path` and bring `areas` up to date.

        `areas`: a command that touches only some areas migrates only those (importing every area
        module costs a cached `labui validate` a fifth of its time); the rest catch up on the next
        open that names them. Migrations are recorded per area, so the order does not matter.
        """
        self.path = path
        self._areas = areas
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create the workspace {path.parent}: {write_fault(exc)}") from exc
        ignore_workspace(path.parent)
        with self.connect() as db:
            self._migrate(db)

    @classmethod
    def for_taxonomy(cls, taxonomy_root: Path, areas: tuple[str, ...] = AREAS) -> Store:
        return cls(default_workspace(taxonomy_root) / DB_NAME, areas)

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened once and kept: a commit in WAL mode is cheap, but closing
        the last connection checkpoints and fsyncs (up to 10 ms each on a busy disk, a third of a
        cold `labui validate` when every transaction had its own). Reopened after a fork, or when
        the file was replaced or removed (a kept handle would write to a file nobody reads)."""
        held = getattr(self._local, "held", None)
        inode = _inode(self.path)
        if held is not None:
            db, pid, ino = held
            if pid == os.getpid() and ino == inode is not None:
                return db
            self.close()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            db.close()
            raise
        self._local.held = (db, os.getpid(), _inode(self.path))
        return db

    def close(self) -> None:
        """Close this thread's connection, if open (the next `connect` opens a new one)."""
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None and held[1] == os.getpid():
            with suppress(sqlite3.Error):
                held[0].close()

    def __getstate__(self) -> dict[str, object]:
        return {"path": self.path, "_areas": self._areas}  # connections stay with their process

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection in a transaction: committed on success, rolled back on error.

        A database that cannot be opened, is locked past the timeout, is damaged or sits on a full
        disk raises WorkspaceError (a message for the user, not a traceback).
        """
        try:
            db = self._connection()
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot open the workspace database {self.path}: {fault(exc)}") from exc
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:  # SQLite may have rolled back already (a full disk)
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.IntegrityError:
            raise  # a constraint the caller's logic relies on, not a workspace fault
        except sqlite3.DatabaseError as exc:
            self.close()  # start clean: the next use reopens
            raise WorkspaceError(f"the workspace database {self.path} failed: {fault(exc)}") from exc

    def _migrate(self, db: sqlite3.Connection) -> None:
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
        for area, number, script in _area_migrations(self._areas):
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
