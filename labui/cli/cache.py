"""The cache command of the `labui` CLI: `cache` shows the size of the embedding cache and clears it."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from labui.cli.common import EXIT_OK, Subparsers


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def _cmd_cache(args: argparse.Namespace, out: TextIO) -> int:
    from labui.coverage.embed import cache_cap_bytes, cache_size, clear_cache
    from labui.store import Store
    from labui.taxonomy import check_root

    store = Store.for_taxonomy(check_root(args.taxonomy))
    cleared = clear_cache(store) if args.clear else None
    size = cache_size(store)
    cap = cache_cap_bytes()
    if args.format == "json":
        doc = {
            "workspace": str(store.path),
            "rows": size.rows,
            "bytes": size.bytes,
            "cap_bytes": cap,
            "models": [{"model": m, "rows": r, "bytes": b} for m, (r, b) in size.models.items()],
            "cleared_rows": cleared,
        }
        json.dump(doc, out, indent=2)
        out.write("\n")
        return EXIT_OK
    if cleared is not None:
        out.write(f"cleared {cleared:,} cached vectors\n")
    out.write(
        f"embedding cache in {store.path}: {size.rows:,} vectors, {_mb(size.bytes)} "
        f"(cap {_mb(cap)}; LABUI_EMBED_CACHE_MB sets it)\n"
    )
    for model, (rows, nbytes) in size.models.items():
        out.write(f"  {rows:>10,} vectors {_mb(nbytes):>10}  {model}\n")
    return EXIT_OK


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "cache", help="the embedding cache of a taxonomy's workspace: its size (rows, bytes, models), --clear"
    )
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument(
        "--clear", action="store_true", help="delete every cached vector (they are re-embedded when needed)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_cache)
