"""The review commands of the `labui` CLI: `gates` (run the quality gates) and `review` (bulk decisions)."""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from labui.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Subparsers, load_cached
from labui.errors import UsageError
from labui.textutil import plural


def _cmd_gates(args: argparse.Namespace, out: TextIO) -> int:
    from labui.coverage.embed import CachedEmbedder, SentenceTransformerEmbedder
    from labui.coverage.realdata import load_files, parse_fields
    from labui.review.gates import GateConfig, run_gates
    from labui.store import Store
    from labui.taxonomy import check_root

    root = check_root(args.taxonomy)
    if args.text_field and not args.real_data:
        raise UsageError("--text-field needs --real-data")
    for name in ("near", "semantic"):
        if not 0 < getattr(args, name) <= 1:
            raise UsageError(f"--{name} is a similarity between 0 and 1, not {getattr(args, name)}")
    store = Store.for_taxonomy(root)
    taxonomy = load_cached(root)
    real = load_files([args.real_data], parse_fields(args.text_field)).texts if args.real_data else []
    embedder = (
        None if args.no_embed else CachedEmbedder(SentenceTransformerEmbedder(device=args.device), store)
    )
    judge_min = GateConfig().judge_min if args.judge_min is None else args.judge_min
    config = GateConfig(near_threshold=args.near, semantic_threshold=args.semantic, judge_min=judge_min)
    report = run_gates(
        store, taxonomy, run_ids=args.run or (), embedder=embedder, real_texts=real, config=config
    )
    if report.samples == 0:
        raise UsageError(
            "no samples to check" + (f" in run {', '.join(map(str, args.run))}" if args.run else "")
        )
    if args.format == "json":
        out.write(json.dumps(report.to_json(), sort_keys=True) + "\n")
    else:
        out.write(f"{report.samples} samples, {report.flagged} flagged\n")
        for gate, count in report.flags.items():
            out.write(f"  {gate}: {count}\n")
        for leaf, div in report.diversity.items():
            if div.get("warning"):
                out.write(f"  {leaf}: {div['warning']}\n")
    return EXIT_PROBLEMS if report.flagged else EXIT_OK


def _leaves(root: Path, selectors: Sequence[str]) -> tuple[str, ...]:
    """`--leaf` values as leaf paths: a branch selects every leaf under it (through the tree's graph)."""
    if not selectors:
        return ()
    from labui.taxonomy import select_leaves

    taxonomy = load_cached(root)
    out: dict[str, None] = {}
    for selector in selectors:
        try:
            out.update(dict.fromkeys(select_leaves(taxonomy, [selector])))
        except UsageError:  # a leaf since removed from the tree may still have samples
            out[selector.strip("/")] = None
    return tuple(out)


def _ids(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise UsageError(f"--ids takes sample ids separated by commas, not {text!r}") from None


def _cmd_review(args: argparse.Namespace, out: TextIO) -> int:
    from labui.review.decisions import bulk
    from labui.review.gates import GATES
    from labui.store import Store
    from labui.store.review import STATUSES, Filter
    from labui.taxonomy import check_root

    for gate in args.flag or ():
        if gate not in GATES:
            raise UsageError(f"unknown gate {gate!r}; one of: {', '.join(GATES)}")
    for status in args.status or ():
        if status not in STATUSES:
            raise UsageError(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
    root = check_root(args.taxonomy)
    store = Store.for_taxonomy(root)
    flt = Filter(
        run_ids=tuple(args.run or ()),
        leaves=_leaves(root, args.leaf or ()),
        statuses=tuple(args.status or ()),
        gates=tuple(args.flag or ()),
        ids=_ids(args.ids),
    )
    reviewer = args.reviewer or getpass.getuser() or "cli"
    action, changed = bulk(store, flt, args.action, reviewer, args.reason or "", description="labui review")
    if args.format == "json":
        out.write(json.dumps({"action": action, "changed": changed}) + "\n")
    elif changed:
        verb = {"accept": "accepted", "reject": "rejected", "restore": "restored"}[args.action]
        out.write(f"{verb} {plural(changed, 'sample')} (action {action}; undo in the app)\n")
    if not changed:
        import sys

        sys.stderr.write("labui: error: the filter matches no sample this would change\n")
        return EXIT_USAGE
    return EXIT_OK


def register(sub: Subparsers) -> None:
    p = sub.add_parser("gates", help="run the quality gates over generated samples and store their flags")
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument(
        "--run", type=int, action="append", metavar="ID", help="a run id (repeatable); all runs by default"
    )
    p.add_argument(
        "--real-data", metavar="FILE", help="real records (JSONL, CSV, parquet) to check closeness to"
    )
    p.add_argument(
        "--text-field", action="append", metavar="NAME", help="field of the real records holding the text"
    )
    p.add_argument("--near", type=float, default=0.85, help="Jaccard threshold of near duplicates")
    p.add_argument("--semantic", type=float, default=0.95, help="cosine threshold of semantic duplicates")
    p.add_argument(
        "--judge-min",
        type=float,
        default=None,
        help="flag judge scores below this (judges score 1-3; default 3: a 2 is flagged)",
    )
    p.add_argument("--no-embed", action="store_true", help="skip the encoder: no semantic gates or diversity")
    p.add_argument("--device", default="auto")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_gates)

    r = sub.add_parser(
        "review", help="a bulk decision on every sample matching a filter (one undoable action)"
    )
    r.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    r.add_argument("action", choices=("accept", "reject", "restore"))
    r.add_argument("--run", type=int, action="append", metavar="ID")
    r.add_argument("--leaf", action="append", metavar="PATH", help="a leaf, or a branch: every leaf under it")
    r.add_argument("--flag", action="append", metavar="GATE")
    r.add_argument("--status", action="append", metavar="STATUS", help="new, accepted, rejected or edited")
    r.add_argument("--ids", metavar="ID,...")
    r.add_argument("--reviewer", metavar="NAME")
    r.add_argument("--reason", metavar="TEXT")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(handler=_cmd_review)
