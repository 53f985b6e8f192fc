"""The export commands of the `labui` CLI: `export` (the Export page headless) and `seeds promote`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from labui.cli.common import EXIT_OK, Subparsers, load_cached, write_json


def _files(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    from tqdm import tqdm

    from labui.export.messages import DEFAULT_SYSTEM_PROMPT
    from labui.export.writer import ExportOptions, export_dataset
    from labui.store.db import Store

    taxonomy = load_cached(args.taxonomy)
    store = Store.for_taxonomy(taxonomy.root)
    options = ExportOptions(
        run_ids=tuple(args.run),
        leaves=tuple(args.leaf),
        files=_files(args.files),
        include_unreviewed=args.include_unreviewed,
        system_prompt=args.system_prompt if args.system_prompt is not None else DEFAULT_SYSTEM_PROMPT,
    )
    with tqdm(desc="export", unit=" samples", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = export_dataset(store, taxonomy, Path(args.out), options, progress=progress)
    if args.format == "json":
        write_json(result.to_json(), out)
        return EXIT_OK
    out.write(f"exported {result.samples:,} samples to {result.out}\n")
    width = max(map(len, result.per_leaf), default=0)
    for leaf, n in result.per_leaf.items():
        out.write(f"  {leaf.ljust(width)}  {n:,}\n")
    out.write(f"files: {', '.join(result.files)}\n")
    if options.include_unreviewed:
        out.write("includes samples nobody reviewed (--include-unreviewed); the card says so\n")
    return EXIT_OK


def _cmd_seeds_promote(args: argparse.Namespace, out: TextIO) -> int:
    from labui.export.promote import promote_sample
    from labui.store.db import Store
    from labui.taxonomy import check_root

    root = check_root(args.taxonomy)
    result = promote_sample(Store.for_taxonomy(root), root, args.sample)
    if args.format == "json":
        write_json(result.to_json(), out)
    elif result.added:
        out.write(f"sample {result.sample_id} is now a seed example of {result.leaf_path}\n")
    else:
        out.write(f"{result.leaf_path} already holds sample {result.sample_id} as a seed; nothing written\n")
    return EXIT_OK


def register_promote(seeds_sub: Subparsers) -> None:
    """`labui seeds promote`, added to the `seeds` group of cli.editing."""
    p = seeds_sub.add_parser(
        "promote",
        help="make an accepted generated sample a seed example of its leaf",
        description="Append an accepted sample (its edited text when edited) to its leaf's seed examples, "
        "through the Editor's write path: validated, conflict-checked, atomic.",
    )
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("--sample", type=int, required=True, metavar="ID", help="the sample's id (labui samples)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_seeds_promote)


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "export",
        help="write the reviewed training set: messages JSONL, parquet, dataset card, quality figures",
        description="Export accepted (and edited) samples as instructlab-sdg messages JSONL and parquet, "
        "with a Hugging Face dataset card (README.md) and quality.json, into a folder replaced atomically. "
        "Exit 2 when there is nothing to export.",
    )
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument(
        "--out", required=True, metavar="DIR", help="the export folder (created or replaced whole)"
    )
    p.add_argument(
        "--run", type=int, action="append", default=[], metavar="ID", help="only this run (repeatable)"
    )
    p.add_argument(
        "--leaf",
        action="append",
        default=[],
        metavar="PATH",
        help="only this leaf or branch folder (repeatable)",
    )
    p.add_argument("--files", default="jsonl,parquet", help="comma list of data files: jsonl, parquet")
    p.add_argument(
        "--include-unreviewed",
        action="store_true",
        help="also export samples nobody reviewed (the card says so)",
    )
    p.add_argument("--system-prompt", default=None, metavar="TEXT", help="the system turn of every row")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_export)
