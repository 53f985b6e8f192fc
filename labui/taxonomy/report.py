"""The validation report of a whole tree, kept by the tree's content key: an unchanged tree answers at once.

A report is what `labui validate` gives: the leaf count, the error and warning counts and every
diagnostic (as JSON). It is kept in the verdict cache under the tree's key (keys.tree_key). A run on
a tree whose files are byte-identical to a reported run's (walk.read_tree reads and hashes them: the
key needs every byte, a stat can miss an edit) returns the kept report, without importing the rule
engines or building a leaf. Light on purpose, like walk.py and keys.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labui.taxonomy.model import Taxonomy
    from labui.taxonomy.verdict import VerdictCache
    from labui.taxonomy.walk import TreeFiles

_REPORT_FIELDS = ("leaves", "errors", "warnings", "diagnostics")


def build_report(tx: Taxonomy) -> dict[str, Any]:
    """The report of a loaded taxonomy (the shape of `labui validate --format json`)."""
    return {
        "leaves": len(tx.leaves),
        "errors": tx.errors,
        "warnings": tx.warnings,
        "diagnostics": [d.to_json() for d in tx.diagnostics],
    }


def keep_report(cache: VerdictCache, tx: Taxonomy, report: Mapping[str, Any]) -> None:
    """Keep `report` under the tree's key; a tree with a refused file has none and is not kept."""
    if tx.key:
        cache.put_many([(tx.key, json.dumps(report, ensure_ascii=False, separators=(",", ":")))])


def cached_report(tree: TreeFiles, cache: VerdictCache) -> dict[str, Any] | None:
    """The kept report of the tree when every file is as it was when it was kept; else None (load
    it, passing `tree` on so that nothing is read twice). A tree with a refused or unreadable file
    has no key, so None: the full load reports it, with its diagnostic."""
    if not tree.key:
        return None
    kept = cache.get_many([tree.key]).get(tree.key)
    if kept is None:
        return None
    try:
        report = json.loads(kept)
    except ValueError:
        return None  # a damaged row: load again (and keep a fresh one)
    return report if is_report(report, len(tree.files)) else None


def is_report(report: Any, leaves: int) -> bool:
    """Whether a kept value is a whole report of a tree of `leaves` leaves (not a damaged one)."""
    return (
        isinstance(report, dict) and all(f in report for f in _REPORT_FIELDS) and report["leaves"] == leaves
    )


def report_lines(report: Mapping[str, Any], errors_only: bool = False) -> Iterator[str]:
    """The text form: one `path:line:column: severity: [code] message` line per diagnostic, then totals."""
    for d in report["diagnostics"]:
        if errors_only and d["severity"] != "error":
            continue
        yield f"{d['path']}:{d['line']}:{d['column']}: {d['severity']}: [{d['code']}] {d['message']}\n"
    yield f"{report['leaves']} leaves: {report['errors']} errors, {report['warnings']} warnings\n"
