"""The taxonomy commands of the `labui` CLI: `validate` and `tree`."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from labui.cli.common import EXIT_OK, EXIT_PROBLEMS, Subparsers


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from labui.taxonomy.tree import load_taxonomy

    tx = load_taxonomy(args.taxonomy, workers=args.jobs)
    diags = tx.diagnostics
    if args.format == "json":
        doc = {
            "leaves": len(tx.leaves),
            "errors": tx.errors,
            "warnings": tx.warnings,
            "diagnostics": [d.to_json() for d in diags],
        }
        json.dump(doc, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for d in diags:
            if args.quiet and d.severity.value != "error":
                continue
            out.write(f"{d.path}:{d.line}:{d.column}: {d.severity.value}: {d.message}\n")
        out.write(f"{len(tx.leaves)} leaves: {tx.errors} errors, {tx.warnings} warnings\n")
    return EXIT_PROBLEMS if tx.errors else EXIT_OK


def _cmd_tree(args: argparse.Namespace, out: TextIO) -> int:
    from labui.taxonomy.tree import load_taxonomy

    tx = load_taxonomy(args.taxonomy, workers=args.jobs)
    records = [leaf.to_record() for leaf in tx.leaves]
    if args.format == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for r in records:
            status = "error" if r["errors"] else ("warn" if r["warnings"] else "ok")
            out.write(
                f"{status:5} {r['kind']:15} v{r['version']} {r['seed_examples']:3} seeds  {r['path']}\n"
            )
    return EXIT_OK


def register(sub: Subparsers) -> None:
    p = sub.add_parser("validate", help="validate every qna.yaml with the official (strict) rules")
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--quiet", "-q", action="store_true", help="text format: errors only")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: by size)")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("tree", help="list the leaves with kind, version, seeds and status")
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--jobs", "-j", type=int, default=None)
    p.set_defaults(handler=_cmd_tree)
