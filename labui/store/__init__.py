"""The workspace database (SQLite, one per taxonomy): every SQL statement of labui lives in this package.

Takes: the taxonomy root (to place `.labui/`). Gives: a `Store` handle; one module per area holds that
area's tables (`MIGRATIONS`) and the functions that read and write them:

    db.py          connection, transactions, per-area migrations, where the workspace lives
    drafts.py      editor drafts, one per (leaf, owner)
    embeddings.py  the embedding cache
    samples.py     generation runs, their leaves, samples and failed attempts (generate writes;
                   review and export read)
    review.py      review decisions (history, undo, bulk actions), the queue's filter and counts
    gates.py       the quality gates' flags with evidence, judge scores, diversity, gate runs
    search.py      the full-text (FTS5) index of the samples
    verdicts.py    validation verdicts of leaves, keyed by their content (the taxonomy stage's cache)
"""

from labui.store.db import DB_NAME, WORKSPACE_DIR, Store, default_workspace

__all__ = ["DB_NAME", "WORKSPACE_DIR", "Store", "default_workspace"]
