"""The coverage command of the `labui` CLI: `coverage` (the Coverage page headless)."""

from __future__ import annotations

import argparse
from typing import TextIO

from labui.cli.common import Subparsers


def _cmd_coverage(args: argparse.Namespace, out: TextIO) -> int:
    from labui.coverage.run import run_coverage

    return run_coverage(args, out)


def register(sub: Subparsers) -> None:
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
    p.add_argument(
        "--samples",
        choices=("none", "accepted", "all"),
        default="none",
        help="count generated samples as more examples of their leaf: the accepted (and edited) ones, "
        "or all but the rejected (the newest 200 per leaf)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--model", default=None, help="sentence-transformers model name or local path")
    p.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cuda, mps or cpu")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument(
        "--no-cache", action="store_true", help="embed everything again; do not use the workspace cache"
    )
    p.set_defaults(handler=_cmd_coverage)
