"""The taxonomy commands of the `labui` CLI: `validate` and `tree`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from labui.cli.common import EXIT_OK, EXIT_PROBLEMS, Subparsers, stderr_progress, write_json

if TYPE_CHECKING:
    from labui.store.verdicts import Verdicts
    from labui.taxonomy.model import Taxonomy
    from labui.taxonomy.walk import Progress, TreeFiles


def _open_cache(root: Path) -> Verdicts | None:
    """The verdict cache of the taxonomy's workspace; None, saying why on stderr, when it cannot be
    used (the cache only saves time)."""
    from labui.errors import WorkspaceError
    from labui.store.verdicts import open_verdicts

    def say(exc: WorkspaceError) -> None:
        sys.stderr.write(f"labui: not using the verdict cache: {exc}\n")

    return open_verdicts(root, say)


def _load(
    root: Path,
    args: argparse.Namespace,
    verdicts: Verdicts | None,
    tree: TreeFiles | None = None,
    progress: Progress | None = None,
) -> Taxonomy:
    from labui.taxonomy.load import load_taxonomy, require_leaves

    progress = progress or stderr_progress()
    tx = load_taxonomy(root, workers=args.jobs, progress=progress, verdicts=verdicts, tree=tree)
    return require_leaves(tx)


def load_for_cli(args: argparse.Namespace) -> Taxonomy:
    """The taxonomy of `args.taxonomy`, with the verdict cache unless --no-cache; no leaves: exit 2."""
    from labui.taxonomy.walk import check_root

    root = check_root(args.taxonomy)
    return _load(root, args, None if args.no_cache else _open_cache(root))


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    # Only light modules until the tree is known to have changed: an unchanged tree is answered
    # from the stat index (taxonomy/statindex.py), else from its report kept by content
    # (taxonomy/report.py), without importing the rule engines (or, from the index, sqlite3).
    from labui.errors import WorkspaceError
    from labui.store.workspace import default_workspace
    from labui.taxonomy import statindex
    from labui.taxonomy.walk import check_root

    root = check_root(args.taxonomy)
    index = None if args.no_cache else default_workspace(root) / statindex.INDEX_NAME
    progress = stderr_progress()  # one counter for the walk, the read and the load
    seen = statindex.probe(root, index, progress)
    report = seen.report
    if report is None:
        from labui.taxonomy.report import build_report, cached_report, keep_report
        from labui.taxonomy.walk import read_tree

        cache = None if args.no_cache else _open_cache(root)
        tree = read_tree(root, progress, files=seen.files)
        if cache is not None:
            try:
                report = cached_report(tree, cache)
            except WorkspaceError:
                cache = None
        if report is None:
            tx = _load(root, args, cache, tree, progress)
            report = build_report(tx)
            if cache is not None:
                with contextlib.suppress(WorkspaceError):
                    keep_report(cache, tx, report)
        if cache is not None and index is not None and tree.key:
            with contextlib.suppress(OSError):
                statindex.keep(index, root, seen, report)
    if args.format == "json":
        write_json(report, out)
    else:
        from labui.taxonomy.report import report_lines

        out.writelines(report_lines(report, errors_only=args.quiet))
    return EXIT_PROBLEMS if report["errors"] else EXIT_OK


def _cmd_tree(args: argparse.Namespace, out: TextIO) -> int:
    tx = load_for_cli(args)
    records = [leaf.to_record() for leaf in tx.leaves]
    if args.format == "json":
        write_json(records, out)
    else:
        for r in records:
            status = "error" if r["errors"] else ("warn" if r["warnings"] else "ok")
            out.write(
                f"{status:5} {r['kind']:15} v{r['version']} {r['seed_examples']:3} seeds  {r['path']}\n"
            )
    return EXIT_OK


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: by size)")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="validate every leaf again, ignoring the verdicts kept in .labui/",
    )


def register(sub: Subparsers) -> None:
    p = sub.add_parser("validate", help="validate every qna.yaml with the official (strict) rules")
    _common(p)
    p.add_argument("--quiet", "-q", action="store_true", help="text format: errors only")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("tree", help="list the leaves with kind, version, seeds and status")
    _common(p)
    p.set_defaults(handler=_cmd_tree)
