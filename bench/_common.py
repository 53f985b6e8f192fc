"""Helpers shared by the benchmarks: timing whole processes and printing ratios."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
REAL_TAXONOMY = SHARED_DATA / "instructlab-taxonomy-2024-07"
SEED_TASKS = SHARED_DATA / "self-instruct-seed-tasks" / "seed_tasks.jsonl"


def env_with_venv() -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def time_process(cmd: list[str], repeat: int = 5, ok_codes: tuple[int, ...] = (0, 1)) -> list[float]:
    """Wall seconds of `repeat` runs of a whole process (start-up included)."""
    times = []
    env = env_with_venv()
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        times.append(time.perf_counter() - t)
        if proc.returncode not in ok_codes:
            raise RuntimeError(f"{cmd} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return times


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f}s (min {min(times):.3f}s, n={len(times)})"


def require(path: Path) -> None:
    if not path.exists():
        sys.exit(f"bench: {path} is missing; put the shared data beside the project (../shared/data)")
