"""Peak memory and time of `labui coverage` on 10k, 50k and 100k real-data rows: this checkout
against an old revision (default HEAD, the last commit), as whole processes, same run.

The rows are the synthetic requests of bench_coverage_scale.py in a JSONL file. Three parts:

1. Encoder load (what the Coverage page waits for first): a process that imports labui's encoder and
   loads the default model, old and new, `--load-repeat` times each, alternating: seconds and RSS.
2. Cold runs at `--cold-size` rows (default the smallest size), old and new, each in a fresh
   workspace: every row is embedded, so the encoder's own peak (activations) shows.
3. Warm runs at every size: both paths share one workspace cache, warmed first by one run of the
   new path at the largest size (its time and peak are printed: a first run when the cache is
   fresh), so the encoder is loaded but rows come from the cache; this compares what each path holds
   per row.

The old path is labui's code at `--old-rev`, exported with `git archive` to a temporary folder;
nothing in the checkout changes. Peak memory is the child's own ru_maxrss (os.wait4), which includes
torch and the model.

    python bench/bench_coverage_memory.py [--sizes 10000,50000,100000] [--old-rev HEAD]
        [--workspace DIR]  # reuse a warm cache (then part 3 needs no embedding at all)

Prints tables and `RATIO coverage_peak_rss_old_vs_new_<n> = x` per size (higher: the new path
holds less), `RATIO coverage_rss_growth_new = x` (MB per 10k rows from the smallest to the largest
size; about 0 = flat), `RATIO encoder_load_old_vs_new = x` (seconds) and the cold-run peaks' ratio.
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

# Children run from an empty folder: `python -m` and `-c` put the working directory first on
# sys.path, which from the checkout would shadow the old revision's PYTHONPATH.
NEUTRAL = tempfile.mkdtemp(prefix="labui-bench-cwd-")


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stderr tail of one process."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as err, open(os.devnull, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=NEUTRAL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-1500:]
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {tail}")
    return took, usage.ru_maxrss / 1024, tail


LOAD_CODE = (
    "import sys, time; t = time.perf_counter(); "
    "from labui.coverage.embed import SentenceTransformerEmbedder as E; e = E(device=sys.argv[1]); "
    "took = time.perf_counter() - t; e.encode(['Write a haiku about the sea.']); "
    "import labui; print(took, 'sentence_transformers' in sys.modules, labui.__file__)"
)


def _load(env: dict[str, str], device: str) -> tuple[float, float, bool]:
    """Import + load seconds of the default encoder, the process's peak RSS (MB) after one encode,
    and whether sentence_transformers was imported."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LOAD_CODE, device],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=NEUTRAL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"encoder load exited {status}")
        out.seek(0)
        took, st, where = out.read().decode().split()
    assert where.startswith(env["PYTHONPATH"]), f"{where} is not under {env['PYTHONPATH']}"
    return float(took), usage.ru_maxrss / 1024, st == "True"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000,100000")
    ap.add_argument("--old-rev", default="HEAD")
    ap.add_argument("--cold-size", type=int, default=0, help="rows of the cold runs (default: smallest size)")
    ap.add_argument("--load-repeat", type=int, default=3)
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
    cold_n = args.cold_size or sizes[0]
    if cold_n not in files:
        files[cold_n] = tmp / f"rows-{cold_n}.jsonl"
        with open(files[cold_n], "w") as f:
            for t in requests(cold_n):
                f.write(json.dumps({"instruction": t}) + "\n")
    workspace = args.workspace or str(tmp / "ws")
    env = env_with_venv() | {"LABUI_WORKSPACE": workspace, "LABUI_EMBED_CACHE_MB": "1024"}
    new_env = env | {"PYTHONPATH": str(ROOT)}
    old_env = env | {"PYTHONPATH": str(old)}

    print(f"old = {args.old_rev}, new = this checkout; device {args.device}")
    loads: dict[str, list[tuple[float, float, bool]]] = {"old": [], "new": []}
    for r in range(args.load_repeat):
        order = [("old", old_env), ("new", new_env)]
        for name, e in order if r % 2 == 0 else order[::-1]:
            loads[name].append(_load(e, args.device))
    print(f"{'encoder load':>14} {'median s':>9} {'peak MB':>8}  sentence_transformers imported")
    for name in ("old", "new"):
        secs = sorted(x[0] for x in loads[name])
        print(
            f"{name:>14} {secs[len(secs) // 2]:>9.2f} {max(x[1] for x in loads[name]):>8.0f}  {loads[name][0][2]}"
        )

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

    cold = {}
    for name, e in (("old", old_env), ("new", new_env)):
        cold[name] = _run(cmd(cold_n), e | {"LABUI_WORKSPACE": str(tmp / f"cold-{name}")})
    print(
        f"cold runs, {cold_n:,} rows, fresh workspaces: old {cold['old'][0]:.0f}s peak {cold['old'][1]:.0f} MB; "
        f"new {cold['new'][0]:.0f}s peak {cold['new'][1]:.0f} MB"
    )
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
    print(f"RATIO coverage_cold_peak_rss_old_vs_new_{cold_n} = {cold['old'][1] / cold['new'][1]:.2f}")
    med = {k: sorted(x[0] for x in v)[len(v) // 2] for k, v in loads.items()}
    print(f"RATIO encoder_load_old_vs_new = {med['old'] / med['new']:.2f} (seconds, import + load)")
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
