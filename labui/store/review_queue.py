"""The review queue's SQL: what a filter matches, how a page of it is read cheaply, and the
per (leaf, run, status) counters that answer its counts without a scan. The tables are the review
area's (migrated in `labui.store.review`, which re-exports what callers use)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from labui.store.db import in_clause
from labui.store.search import fts_query, sync_search

STATUSES = ("new", "accepted", "rejected", "edited")


@dataclass(frozen=True, slots=True)
class Filter:
    """What the queue, bulk actions and the CLI match; empty fields match everything."""

    run_ids: tuple[int, ...] = ()
    leaves: tuple[str, ...] = ()
    branch: str = ""  # a folder prefix: every leaf under it
    statuses: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()  # any of these flags
    unflagged: bool = False
    judge_max: float | None = None  # judge score at most this
    search: str = ""  # FTS5 words
    ids: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()
    marked_by: str = ""  # flagged for a second look by this reviewer ("*": anyone)


def branch_clause(column: str, branch: str) -> tuple[str, list[object]]:
    """`column` is the branch or a path under it, as a range the leaf index can serve: every path
    under "a/b/" sorts between "a/b/" and "a/b0"."""
    prefix = branch.rstrip("/")
    return f"({column} = ? OR ({column} >= ? AND {column} < ?))", [prefix, prefix + "/", prefix + "0"]


def where_sql(flt: Filter, *, by_id: bool = False, fts_driven: bool = False) -> tuple[str, list[object]]:
    """The WHERE clause over `samples s LEFT JOIN review_state r` for a filter.

    `by_id`: the run and branch terms do not use the leaf index (unary +), so a broad filter is read
    in id order and a LIMIT stops early instead of sorting most of the table. `fts_driven`: the
    search term is a MATCH on `samples_fts` joined in the FROM (see `SEARCH_FROM`)."""
    parts: list[str] = []
    params: list[object] = []
    plus = "+" if by_id else ""
    for column, values in (
        (f"{plus}s.run_id", flt.run_ids),
        ("s.leaf_path", flt.leaves),
        ("s.id", flt.ids),
    ):
        if values:
            sql, p = in_clause(column, values)
            parts.append(sql)
            params += p
    if flt.branch:
        sql, p = branch_clause(f"{plus}s.leaf_path", flt.branch)
        parts.append(sql)
        params += p
    if flt.statuses:
        sql, p = in_clause("coalesce(r.status, 'new')", flt.statuses)
        parts.append(sql)
        params += p
    if flt.gates:
        sql, p = in_clause("f.gate", flt.gates)
        parts.append(f"EXISTS (SELECT 1 FROM flags f WHERE f.sample_id = s.id AND {sql})")
        params += p
    if flt.unflagged:
        parts.append("NOT EXISTS (SELECT 1 FROM flags f WHERE f.sample_id = s.id)")
    if flt.judge_max is not None:
        parts.append("EXISTS (SELECT 1 FROM judge_scores j WHERE j.sample_id = s.id AND j.score <= ?)")
        params.append(flt.judge_max)
    if flt.search.strip() and fts_driven:
        parts.append("samples_fts MATCH ?")
        params.append(fts_query(flt.search))
    elif flt.search.strip():
        parts.append("s.id IN (SELECT rowid FROM samples_fts WHERE samples_fts MATCH ?)")
        params.append(fts_query(flt.search))
    if flt.exclude:
        sql, p = in_clause("s.id", flt.exclude)
        parts.append("NOT " + sql)
        params += p
    if flt.marked_by == "*":
        parts.append("EXISTS (SELECT 1 FROM review_marks m WHERE m.sample_id = s.id)")
    elif flt.marked_by:
        parts.append("EXISTS (SELECT 1 FROM review_marks m WHERE m.sample_id = s.id AND m.reviewer = ?)")
        params.append(flt.marked_by)
    return (" AND ".join(parts) or "1"), params


QUEUE_FROM = "samples s LEFT JOIN review_state r ON r.sample_id = s.id"
# The search index drives: FTS5 gives its hits in rowid order, so a page stops after its LIMIT.
SEARCH_FROM = (
    "samples_fts JOIN samples s ON s.id = samples_fts.rowid LEFT JOIN review_state r ON r.sample_id = s.id"
)
COUNT_CAP = 1000  # a filter the counters cannot answer is counted up to this ("1,000+ matches")
BROAD = 0.02  # a run/branch filter matching at least this share of the samples is read in id order


def counted_only(flt: Filter) -> bool:
    """The filter uses only terms the per (leaf, run, status) counters answer."""
    return not (
        flt.gates
        or flt.unflagged
        or flt.judge_max is not None
        or flt.search.strip()
        or flt.ids
        or flt.exclude
        or flt.marked_by
    )


def sync_counts(db: sqlite3.Connection) -> None:
    """Count the samples added since the last sync into the 'all' rows of `review_counts`."""
    row = db.execute("SELECT value FROM review_counts_mark WHERE key = 'all_upto'").fetchone()
    upto = int(row[0]) if row else 0
    top = int(db.execute("SELECT coalesce(max(id), 0) FROM samples").fetchone()[0])
    if top <= upto:
        return
    db.execute(
        "INSERT INTO review_counts (leaf_path, run_id, status, n) SELECT leaf_path, run_id, 'all', count(*) "
        "FROM samples WHERE id > ? AND id <= ? GROUP BY 1, 2 ON CONFLICT DO UPDATE SET n = n + excluded.n",
        (upto, top),
    )
    db.execute(
        "INSERT INTO review_counts_mark (key, value) VALUES ('all_upto', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (top,),
    )


def shift_counts(db: sqlite3.Connection, ids_sql: str, params: Sequence[object], sign: int) -> None:
    """Add `sign` to the counts of the current status of the samples `ids_sql` selects: -1 before
    their review_state changes, +1 after (same transaction)."""
    db.execute(
        "INSERT INTO review_counts (leaf_path, run_id, status, n) "
        "SELECT s.leaf_path, s.run_id, r.status, ? * count(*) FROM review_state r "
        f"JOIN samples s ON s.id = r.sample_id WHERE r.sample_id IN ({ids_sql}) GROUP BY 1, 2, 3 "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n",
        (sign, *params),
    )


def counted_per_leaf(db: sqlite3.Connection, flt: Filter) -> dict[str, dict[str, int]]:
    """Per leaf, per status from `review_counts` (run, leaf, branch and status terms only)."""
    sync_counts(db)
    parts: list[str] = []
    params: list[object] = []
    for column, values in (("run_id", flt.run_ids), ("leaf_path", flt.leaves)):
        if values:
            sql, p = in_clause(column, values)
            parts.append(sql)
            params += p
    if flt.branch:
        sql, p = branch_clause("leaf_path", flt.branch)
        parts.append(sql)
        params += p
    where = " AND ".join(parts) or "1"
    per_leaf: dict[str, dict[str, int]] = {}
    for leaf, status, n in db.execute(
        f"SELECT leaf_path, status, sum(n) FROM review_counts WHERE {where} GROUP BY 1, 2", params
    ):
        per_leaf.setdefault(str(leaf), {})[str(status)] = int(n or 0)
    out: dict[str, dict[str, int]] = {}
    for leaf, got in sorted(per_leaf.items()):
        if not got.get("all"):
            continue
        counts = {st: got.get(st, 0) for st in STATUSES if st != "new"}
        counts["new"] = got["all"] - sum(counts.values())
        out[leaf] = {st: (counts[st] if not flt.statuses or st in flt.statuses else 0) for st in STATUSES}
    return out


def counted(db: sqlite3.Connection, flt: Filter) -> dict[str, int]:
    """Per status from `review_counts` (run, leaf, branch and status terms only)."""
    out = dict.fromkeys(STATUSES, 0)
    for counts in counted_per_leaf(db, flt).values():
        for st, n in counts.items():
            out[st] += n
    return out


def page_sql(db: sqlite3.Connection, flt: Filter) -> tuple[str, str, list[object], str]:
    """(FROM, WHERE, parameters, ORDER BY) that read a page of the filter cheaply."""
    if flt.search.strip():
        sync_search(db)
        where, params = where_sql(flt, fts_driven=True)
        return SEARCH_FROM, where, params, "samples_fts.rowid"
    by_id = False
    if (flt.branch or flt.run_ids) and not (flt.leaves or flt.ids):
        matched = sum(counted(db, flt).values())
        total = sum(counted(db, Filter()).values())
        by_id = matched >= BROAD * total
    where, params = where_sql(flt, by_id=by_id)
    return QUEUE_FROM, where, params, "s.id"
