"""The `labui` command line: everything the app does, headless.

Exit codes: 0 success; 1 the content has errors (or a write was refused for its content or a
conflict); 2 the command itself cannot run (bad path or option), with a one-line message.
Heavy modules are imported inside the commands so that `labui --help` starts fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from labui.errors import ConflictError, ContentError, LabuiError, UsageError

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace, TextIO], int]


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
    return EXIT_CONTENT if tx.errors else EXIT_OK


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


def _cmd_coverage(args: argparse.Namespace, out: TextIO) -> int:
    from labui.coverage.run import run_coverage

    return run_coverage(args, out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labui",
        description="labui: a studio for LAB-style synthetic data (taxonomy, coverage, seeds, review, export).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

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

    p = sub.add_parser(
        "coverage", help="embed the tree and real data: thin leaves, overlaps, uncovered requests"
    )
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument(
        "--data", action="append", default=[], metavar="FILE", help="JSONL, CSV or parquet (repeatable)"
    )
    p.add_argument(
        "--text-field",
        action="append",
        default=None,
        metavar="NAME",
        help="field holding the text; dotted for nested (instances.input); repeat or comma-list to join",
    )
    p.add_argument(
        "--threshold", type=float, default=None, help="similarity at or above which an item is covered"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--model", default=None, help="sentence-transformers model name or local path")
    p.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cuda, mps or cpu")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument(
        "--no-cache", action="store_true", help="embed everything again; do not use the workspace cache"
    )
    p.set_defaults(handler=_cmd_coverage)

    from labui.cli import (
        editing as cli_editing,  # leaf create, seeds import, changes (argparse only at import)
    )

    cli_editing.register(sub)

    for register in _EXTENSIONS:
        register(sub)
    return parser


# Feature modules add their subcommands here: a callable taking the subparsers object and adding
# parsers whose `handler` default is a `Handler`. Listed explicitly so start-up imports nothing heavy.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, out)
    except UsageError as exc:
        sys.stderr.write(f"labui: error: {exc}\n")
        return EXIT_USAGE
    except (ContentError, ConflictError) as exc:
        sys.stderr.write(f"labui: {exc}\n")
        return EXIT_CONTENT
    except LabuiError as exc:
        sys.stderr.write(f"labui: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("labui: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
