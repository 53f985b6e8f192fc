"""Peak memory and time of `labui coverage` on 10k, 50k and 100k real-data rows: the streaming path
against the old one (the whole file read, every vector kept), as whole processes, same run.

The rows are the synthetic requests of bench_coverage_scale.py in a JSONL file. Both paths use the
same workspace cache, warmed first by one cold run of the new path at the largest size (its time and
peak are printed too: what a first run costs), so the comparison is of what each path holds in
memory, not of the encoder. The old path is labui's code at a git revision (default 20dd7b3, before
the streaming change), exported with `git archive` to a temporary folder; nothing in the checkout
changes. Peak memory is the child's own ru_maxrss (os.wait4), which includes torch and the model.

    python bench/bench_coverage_memory.py [--sizes 10000,50000,100000] [--old-rev 20dd7b3]

Prints a table and `RATIO coverage_peak_rss_old_vs_new_<n> = x` per size (higher: the new path
holds less), and `RATIO coverage_rss_growth_new = x` (MB per 10k rows from the smallest to the
largest size; about 0 = flat).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, env_with_venv, require
from bench_coverage_scale import requests


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stderr tail of one process."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err, open(os.devnull, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-1500:]
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {tail}")
    return took, usage.ru_maxrss / 1024, tail


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000,100000")
    ap.add_argument("--old-rev", default="20dd7b3")
    ap.add_argument("--device", default="cpu")
    ap.add_argument(
        "--workspace", default=None, help="reuse this workspace (its cache) instead of a fresh one"
    )
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    require(REAL_TAXONOMY)
    tmp = Path(tempfile.mkdtemp(prefix="labui-bench-mem-"))
    old = tmp / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "archive", args.old_rev, "labui"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    files = {}
    texts = requests(sizes[-1])
    for n in sizes:
        files[n] = tmp / f"rows-{n}.jsonl"
        with open(files[n], "w") as f:
            for t in texts[:n]:
                f.write(json.dumps({"instruction": t}) + "\n")
    workspace = args.workspace or str(tmp / "ws")
    env = env_with_venv() | {"LABUI_WORKSPACE": workspace, "LABUI_EMBED_CACHE_MB": "1024"}
    new_env = env | {"PYTHONPATH": str(ROOT)}
    old_env = env | {"PYTHONPATH": str(old)}

    def cmd(n: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "labui.cli",
            "coverage",
            str(REAL_TAXONOMY),
            "--data",
            str(files[n]),
            "--device",
            args.device,
            "--format",
            "json",
        ]

    took, rss, tail = _run(cmd(sizes[-1]), new_env)
    fresh = "cold" if args.workspace is None else "first (cache reused)"
    print(f"{fresh} run, new path, {sizes[-1]:,} rows: {took:.0f}s, peak {rss:.0f} MB")
    print(f"  stderr (plain progress lines): {tail.strip().splitlines()[-4:]}")
    print(f"{'rows':>8} {'old s':>7} {'old MB':>7} {'new s':>7} {'new MB':>7}")
    peaks = {}
    for n in sizes:
        # Alternate which path goes first so machine load hits both alike.
        runs = [("old", old_env), ("new", new_env)]
        if n % 2:
            runs.reverse()
        got = {name: _run(cmd(n), e) for name, e in runs}
        peaks[n] = (got["old"][1], got["new"][1])
        print(
            f"{n:>8,} {got['old'][0]:>7.1f} {got['old'][1]:>7.0f} {got['new'][0]:>7.1f} {got['new'][1]:>7.0f}"
        )
    for n in sizes:
        print(f"RATIO coverage_peak_rss_old_vs_new_{n} = {peaks[n][0] / peaks[n][1]:.2f}")
    lo, hi = sizes[0], sizes[-1]
    if hi > lo:
        print(
            f"RATIO coverage_rss_growth_new = {(peaks[hi][1] - peaks[lo][1]) / ((hi - lo) / 10_000):.1f} MB per 10k rows"
        )
        print(
            f"RATIO coverage_rss_growth_old = {(peaks[hi][0] - peaks[lo][0]) / ((hi - lo) / 10_000):.1f} MB per 10k rows"
        )


if __name__ == "__main__":
    main()
