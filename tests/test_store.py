"""The workspace database handle: one kept connection per thread, reopened whenever it would be
wrong to keep it (the file replaced or removed, a forked process), and every fault a WorkspaceError."""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from pathlib import Path

import pytest

from labui.errors import WorkspaceError
from labui.store import Store
from labui.store.verdicts import Verdicts


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "ws" / "workspace.sqlite", areas=("verdicts",))


def test_a_thread_keeps_its_connection_and_sees_other_threads_commits(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with store.connect() as a:
        pass
    with store.connect() as b:
        assert b is a  # kept: no close (and checkpoint) per transaction
    seen: list[object] = []

    def other() -> None:
        with store.connect() as db:
            seen.append(db)
            db.execute("INSERT INTO leaf_verdicts VALUES ('k', '{}', 1)")

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen and seen[0] is not a  # sqlite3 connections belong to their thread
    with store.connect() as db:
        assert db.execute("SELECT verdict FROM leaf_verdicts WHERE key = 'k'").fetchone() == ("{}",)


def test_a_replaced_or_removed_file_is_reopened(tmp_path: Path) -> None:
    store = _store(tmp_path)
    Verdicts(store).put_many([("old", "1")])
    other = Store(tmp_path / "other" / "workspace.sqlite", areas=("verdicts",))
    Verdicts(other).put_many([("new", "2")])
    other.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{store.path}{suffix}").unlink(missing_ok=True)
    os.replace(other.path, store.path)  # e.g. a workspace restored from a backup
    assert Verdicts(store).get_many(["old", "new"]) == {"new": "2"}
    store.close()
    for p in store.path.parent.glob("workspace.sqlite*"):
        p.unlink()
    with pytest.raises(WorkspaceError):  # an empty new file has no tables: said, not a traceback
        Verdicts(store).get_many(["new"])


def test_a_damaged_file_is_a_workspace_error(tmp_path: Path) -> None:
    path = tmp_path / "ws" / "workspace.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"this is not a database, " * 200)
    with pytest.raises(WorkspaceError, match="workspace database"):
        Store(path, areas=("verdicts",))


def test_a_failed_transaction_rolls_back_and_the_handle_stays_usable(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with pytest.raises(RuntimeError), store.connect() as db:
        db.execute("INSERT INTO leaf_verdicts VALUES ('gone', '{}', 1)")
        raise RuntimeError("the caller failed half-way")
    with pytest.raises(sqlite3.IntegrityError), store.connect() as db:
        db.execute("INSERT INTO leaf_verdicts VALUES ('dup', '{}', 1)")
        db.execute("INSERT INTO leaf_verdicts VALUES ('dup', '{}', 1)")
    assert Verdicts(store).get_many(["gone", "dup"]) == {}


def test_a_pickled_store_opens_its_own_connection(tmp_path: Path) -> None:
    store = _store(tmp_path)
    Verdicts(store).put_many([("k", "v")])
    copy = pickle.loads(pickle.dumps(store))
    assert copy.path == store.path
    with copy.connect() as db:
        pass
    with store.connect() as mine:
        assert db is not mine
    assert Verdicts(copy).get_many(["k"]) == {"k": "v"}
