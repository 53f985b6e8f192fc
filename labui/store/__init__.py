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

from typing import TYPE_CHECKING

from labui.lazy import lazy_names

# Names load with their module on first use: `labui.store.workspace` must not pull in sqlite3 (a
# cached `labui validate` of an unchanged tree needs only the workspace's path).
if TYPE_CHECKING:
    from labui.store.db import DB_NAME, Store
    from labui.store.workspace import WORKSPACE_DIR, default_workspace

_HOMES = {"db": ("DB_NAME", "Store"), "workspace": ("WORKSPACE_DIR", "default_workspace")}

__all__ = ["DB_NAME", "WORKSPACE_DIR", "Store", "default_workspace"]

__getattr__ = lazy_names(__name__, _HOMES, globals())
