"""`labui coverage` as a function: tree and data files in, the report out as text or json.

Loads the tree, streams the data files through the embedding cache in batches (memory bounded by the
batch, a few numbers per row and a capped sample of uncovered rows, not the file), writes the report
as it goes (json) and reports progress on stderr."""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from labui.errors import UsageError

LINE_EVERY = 5.0  # seconds between plain progress lines for one stage (its first and last always print)


def bar_progress(stream: TextIO) -> Any:
    """A StageProgress drawing one tqdm bar per stage on a terminal."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total or None, desc=stage, unit="text", file=stream, leave=False)
        bar.update(done - bar.n)
        if total and done >= total:
            bar.close()

    return progress


def line_progress(stream: TextIO, clock: Any = time.monotonic) -> Any:
    """A StageProgress writing plain lines (logs, CI, pipes): a stage's first and last step, and at
    most one line per LINE_EVERY seconds between, never a flood."""
    last: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = clock()
        finished = bool(total) and done >= total
        if stage in last and not finished and now - last[stage] < LINE_EVERY:
            return
        last[stage] = now
        of = f" / {total:,}" if total else ""
        stream.write(f"labui: {stage}: {done:,}{of}\n")
        stream.flush()

    return progress


def stage_progress(stream: TextIO) -> Any:
    return bar_progress(stream) if stream.isatty() else line_progress(stream)


def run_coverage(args: argparse.Namespace, out: TextIO) -> int:
    from labui.coverage.analysis import STAGE_INDEX, Analysis
    from labui.coverage.embed import (
        DEFAULT_BATCH_SIZE,
        DEFAULT_MODEL,
        CachedEmbedder,
        SentenceTransformerEmbedder,
    )
    from labui.coverage.realdata import DataFiles, parse_fields
    from labui.coverage.report import format_text, write_json
    from labui.coverage.scoring import DEFAULT_THRESHOLD
    from labui.store import Store
    from labui.store.review import EXAMPLE_STATUSES, example_questions
    from labui.taxonomy import check_root, load_taxonomy

    err = sys.stderr
    root = check_root(args.taxonomy)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if not -1.0 <= threshold <= 1.0:
        raise UsageError(f"--threshold must be a similarity between -1 and 1, not {threshold}")
    tx = load_taxonomy(root)
    if not tx.leaves:
        raise UsageError(f"{root} holds no qna.yaml leaves")
    batches: Iterator[list[str]] = iter(())
    if args.data:
        # The first batch is read before the encoder loads: a wrong field or a broken first line is
        # reported in a second, not after the model is up.
        batches = DataFiles(args.data, parse_fields(args.text_field)).batches()
        first = next(batches, None)
        batches = itertools.chain([first] if first else [], batches)
    err.write(f"labui: {len(tx.leaves):,} leaves\n")
    if not err.isatty():
        # The model loader's own progress bar is a line of carriage returns in a log: keep it out.
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    encoder = SentenceTransformerEmbedder(
        args.model or DEFAULT_MODEL, device=args.device, batch_size=args.batch_size or DEFAULT_BATCH_SIZE
    )
    statuses = EXAMPLE_STATUSES[args.samples]
    # The workspace is opened only when needed: --no-cache alone leaves none behind.
    store = Store.for_taxonomy(root) if statuses or not args.no_cache else None
    embedder: Any = CachedEmbedder(encoder, store) if store is not None and not args.no_cache else encoder
    examples = example_questions(store, statuses) if store is not None else {}
    if examples:
        n = sum(map(len, examples.values()))
        err.write(f"labui: {n:,} generated samples of {len(examples):,} leaves count as examples\n")
    err.write(f"labui: encoder {encoder.name} on {encoder.device} ({encoder.backend})\n")
    progress = stage_progress(err)
    # Only the vectors of items under the threshold are kept: they are all clustering needs.
    run = Analysis(tx, embedder, keep_below=threshold, examples=examples)
    run.index(lambda done, total: progress(STAGE_INDEX, done, total))
    if args.data:
        run.add_batches(batches, progress)
        err.write(f"labui: {run.rows:,} rows read; scoring, clustering\n")
    report = run.report(threshold)
    if report.cluster_sample is not None:
        err.write(
            f"labui: clusters drawn from a random sample of {report.cluster_sample:,} uncovered rows "
            f"(LABUI_COVERAGE_SAMPLE sets the sample size)\n"
        )
    if isinstance(embedder, CachedEmbedder):
        err.write(f"labui: embedding cache: {embedder.stats}\n")
    if args.format == "json":
        write_json(report, out)
        out.write("\n")
    else:
        out.write(format_text(report))
    return 0
