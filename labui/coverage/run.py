"""`labui coverage`: the Coverage page headless. Loads the tree and the data, embeds through the
workspace cache with a tqdm bar on stderr, and writes the report as text or json."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from labui.errors import UsageError


def _bar_progress() -> Any:
    """A StageProgress drawing one tqdm bar per stage on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(
                total=total, desc=stage, unit="text", file=sys.stderr, leave=False, disable=None
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def run_coverage(args: argparse.Namespace, out: TextIO) -> int:
    from labui.coverage.analysis import DEFAULT_THRESHOLD, analyse
    from labui.coverage.embed import (
        DEFAULT_BATCH_SIZE,
        DEFAULT_MODEL,
        CachedEmbedder,
        SentenceTransformerEmbedder,
    )
    from labui.coverage.realdata import load_files, parse_fields
    from labui.store import Store
    from labui.taxonomy.tree import check_root, load_taxonomy

    root = check_root(args.taxonomy)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if not -1.0 <= threshold <= 1.0:
        raise UsageError(f"--threshold must be a similarity between -1 and 1, not {threshold}")
    data = load_files(args.data, parse_fields(args.text_field)) if args.data else None
    tx = load_taxonomy(root)
    if not tx.leaves:
        raise UsageError(f"{root} holds no qna.yaml leaves")
    encoder = SentenceTransformerEmbedder(
        args.model or DEFAULT_MODEL, device=args.device, batch_size=args.batch_size or DEFAULT_BATCH_SIZE
    )
    embedder: Any = encoder if args.no_cache else CachedEmbedder(encoder, Store.for_taxonomy(root))
    sys.stderr.write(f"labui: encoder {encoder.name} on {encoder.device}\n")
    texts = data.texts if data else []
    report, *_ = analyse(tx, texts, embedder, threshold=threshold, progress=_bar_progress())
    if isinstance(embedder, CachedEmbedder):
        sys.stderr.write(f"labui: embedding cache: {embedder.stats}\n")
    if args.format == "json":
        json.dump(report.to_json(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        from labui.coverage.analysis import format_text

        out.write(format_text(report))
    return 0
