"""The workspace database (SQLite, one per taxonomy): every SQL statement of labui lives in this package.

Takes: the taxonomy root (to place `.labui/`). Gives: a `Store` handle; one module per area holds that
area's tables (`MIGRATIONS`) and the functions that read and write them:

    workspace.py   where the workspace lives, its .gitignore (light: no sqlite3)
    db.py          connection, transactions, per-area migrations
    drafts.py      editor drafts, one per (leaf, owner)
    embeddings.py  the embedding cache
    samples.py     generation runs, their leaves, samples and failed attempts (generate writes;
                   review and export read)
    review.py      review decisions (history, undo, bulk actions), the queue's filter and counts
    gates.py       the quality gates' flags with evidence, judge scores, diversity, gate runs
    search.py      the full-text (FTS5) index of the samples
    verdicts.py    validation verdicts of leaves, keyed by their content (the taxonomy stage's cache)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names load with their module on first use: `labui.store.workspace` must not pull in sqlite3 (a
# cached `labui validate` of an unchanged tree needs only the workspace's path).
if TYPE_CHECKING:
    from labui.store.db import DB_NAME, Store
    from labui.store.workspace import WORKSPACE_DIR, default_workspace

_HOMES = {"db": ("DB_NAME", "Store"), "workspace": ("WORKSPACE_DIR", "default_workspace")}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = ["DB_NAME", "WORKSPACE_DIR", "Store", "default_workspace"]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'labui.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"labui.store.{module}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value
