"""Export at scale: `export_dataset` over N reviewed samples in the store (100k, then 1.2M by default).

For each size: build a workspace (N samples over the real taxonomy's leaves; about 75% accepted, 3%
edited, 10% rejected, the rest unreviewed; 5% flagged), then time two child processes on it, each
with its own peak memory (ru_maxrss):
  baseline  stream every sample with its decision and flags from the store, writing nothing;
  export    the whole export (train.jsonl + train.parquet + card + quality.json + plot).
Prints export/baseline ratios in the same run and how time and peak memory grow from the first size.

    .venv/bin/python bench/bench_export.py [N ...]        # default: 100000 1200000
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, env_with_venv, require

sys.path.insert(0, str(ROOT))

from labui.store import review
from labui.store.db import Store
from labui.store.samples import SampleRow, create_run, insert_sample
from labui.taxonomy import load_taxonomy

CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from labui.export import source
from labui.export.writer import ExportOptions, export_dataset
from labui.store.db import Store
from labui.taxonomy import load_taxonomy

mode, db, tax, out = sys.argv[1:5]
store = Store(Path(db))
taxonomy = load_taxonomy(tax)
t = time.perf_counter()
if mode == "baseline":
    n = sum(1 for _ in source.iter_items(store, batch=5000))
else:
    n = export_dataset(store, taxonomy, Path(out), ExportOptions()).samples
print(json.dumps({{"n": n, "seconds": time.perf_counter() - t}}))
"""


def build(store: Store, n: int, leaves: list[tuple[str, str]]) -> None:
    rng = random.Random(7)
    run = create_run(
        store,
        config={},
        teacher_model="bench-teacher",
        teacher_url="http://127.0.0.1:1/v1",
        prompt_version="bench-1",
        leaves=[(path, kind, n // len(leaves) + 1, "0" * 64) for path, kind in leaves],
    )
    words = [
        "the",
        "a",
        "of",
        "to",
        "and",
        "in",
        "is",
        "for",
        "on",
        "with",
        "as",
        "by",
        "at",
        "from",
        "this",
        "that",
        "which",
        "be",
        "are",
        "was",
        "an",
        "it",
        "or",
    ]
    with store.connect() as db:
        for i in range(n):
            path, kind = leaves[i % len(leaves)]
            q = " ".join(rng.choices(words, k=14)) + f" {i}?"
            a = " ".join(rng.choices(words, k=60)) + "."
            ctx = None if kind == "freeform_skill" else " ".join(rng.choices(words, k=80))
            insert_sample(
                db,
                SampleRow(
                    0,
                    run,
                    path,
                    kind,
                    i // len(leaves),
                    q,
                    a,
                    ctx,
                    (1, 2, 3),
                    "bench-teacher",
                    "http://127.0.0.1:1/v1",
                    "bench-1",
                    {},
                    None,
                    "stop",
                    100,
                    80,
                    1.0,
                ),
            )
    # Bulk decisions the way the Review page makes them: one statement per filter.
    review.decide_matching(store, review.Filter(), "accepted", reviewer="bench")
    paths = [p for p, _ in leaves]
    review.decide_matching(store, review.Filter(leaves=tuple(paths[::10])), "rejected", reviewer="bench2")
    review.decide_matching(store, review.Filter(leaves=tuple(paths[5::8])), "new", reviewer="bench")
    for sid in range(1, n, max(33, n // 1000)):  # edits are one decision each: at most about 1,000
        review.decide(store, sid, "edited", reviewer="bench", answer="An edited answer.")
    flagged = list(range(2, n, 20))
    review.replace_flags(
        store, flagged, [review.Flag(sid, "near_duplicate", "close", 0.9, sid - 1) for sid in flagged]
    )


def child(mode: str, db: Path, tax: Path, out: Path) -> tuple[dict[str, float], float]:
    """Run one measured child; returns its JSON line and its own peak RSS in MiB (wait4's rusage)."""
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(db), str(tax), str(out)],
            stdout=stdout,
            stderr=stderr,
            env=env_with_venv(),
            cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            stderr.seek(0)
            raise RuntimeError(stderr.read()[-3000:])
        stdout.seek(0)
        return json.loads(stdout.read().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    require(REAL_TAXONOMY)
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_200_000]
    taxonomy = load_taxonomy(REAL_TAXONOMY)
    leaves = [(leaf.path, leaf.kind.value) for leaf in taxonomy.leaves]
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(
            dir=ROOT.parent / "tmp" if (ROOT.parent / "tmp").is_dir() else None
        ) as tmp:
            store = Store(Path(tmp) / "workspace.sqlite")
            t = time.perf_counter()
            build(store, n, leaves)
            built = time.perf_counter() - t
            out = Path(tmp) / "export"
            base, base_mb = child("baseline", store.path, REAL_TAXONOMY, out)
            exp, exp_mb = child("export", store.path, REAL_TAXONOMY, out)
            size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
            rows.append((n, exp["seconds"], exp_mb, base["seconds"], base_mb))
            print(
                f"{n:>9,} samples (built in {built:.0f}s): exported {exp['n']:,} in {exp['seconds']:.1f}s "
                f"({1e6 * exp['seconds'] / n:.1f} us/sample), peak {exp_mb:.0f} MiB, files {size:.0f} MiB; "
                f"baseline read {base['seconds']:.1f}s, peak {base_mb:.0f} MiB",
                flush=True,
            )
            print(f"RATIO export_{n} export/baseline-read time = {exp['seconds'] / base['seconds']:.2f}x")
    if len(rows) > 1:
        (n0, t0, m0, _, _), (n1, t1, m1, _, _) = rows[0], rows[-1]
        print(
            f"growth {n0:,} -> {n1:,} ({n1 / n0:.0f}x the samples): time {t1 / t0:.1f}x, "
            f"peak memory {m1 / m0:.2f}x ({m0:.0f} -> {m1:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
