"""`labui validate` against InstructLab's official parser on the real 148-leaf taxonomy.

Every run is a whole process (interpreter start-up and imports included), timed in the same run and
under the same conditions: compiled bytecode kept in a temporary folder (as an installed package has
it), the workspace in a temporary folder. Three ways of running labui:
  cold     an empty workspace before every run: every leaf validated, verdicts written
  warm     the workspace kept: nothing changed since the last run (files older than the stat
           index's 2 s racy window, as in real use), answered from the stat index
  -j 1     no cache (--no-cache), one process
Prints ratios official / labui of wall time (higher is better; goals: >= 5 cold, >= 20 warm), and of
CPU time (user + system of the process and its children): on a shared machine the wall time counts
the neighbours' work too, the CPU time does not. The interpreter's own start-up (`python -c pass`,
same venv) is timed alongside: it is part of every figure, and bounds what any ratio can reach.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _common import REAL_TAXONOMY, require, summary, time_process


def timed(cmd: list[str], cpu: list[float]) -> list[float]:
    """One whole-process run: its wall time, and its CPU time appended to `cpu`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time_process(cmd, repeat=1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main() -> None:
    require(REAL_TAXONOMY)
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    py = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="labui-bench-"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    workspace = tmp / "workspace"
    os.environ["LABUI_WORKSPACE"] = str(workspace)
    official_cmd = [py, "bench/official_validate.py", str(REAL_TAXONOMY)]
    labui_cmd = [py, "-m", "labui.cli", "validate", str(REAL_TAXONOMY), "-q"]
    try:
        time_process(official_cmd, repeat=1)  # compile both once, as an installed package would be
        time_process(labui_cmd, repeat=1)
        official: list[float] = []
        cold: list[float] = []
        warm: list[float] = []
        serial: list[float] = []
        floor: list[float] = []
        cpu: dict[str, list[float]] = {"official": [], "cold": [], "warm": [], "serial": [], "floor": []}
        for _ in range(repeat):  # interleaved, so that load on the machine hits all alike
            floor += timed([py, "-c", "pass"], cpu["floor"])
            official += timed(official_cmd, cpu["official"])
            shutil.rmtree(workspace, ignore_errors=True)
            cold += timed(labui_cmd, cpu["cold"])
            warm += timed(labui_cmd, cpu["warm"])
            serial += timed([*labui_cmd, "-j", "1", "--no-cache"], cpu["serial"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"official TaxonomyParser (strict):   {summary(official)}")
    print(f"labui validate, cold (empty cache): {summary(cold)}")
    print(f"labui validate, warm (unchanged):   {summary(warm)}")
    print(f"labui validate, --no-cache -j 1:    {summary(serial)}")
    print(f"the interpreter alone (-c pass):    {summary(floor)}  (in every whole-process figure)")
    med = {k: statistics.median(v) for k, v in cpu.items()}
    print("CPU seconds (median): " + ", ".join(f"{k} {v:.3f}" for k, v in med.items()))
    print(f"RATIO validate_real_148_cold_cpu official/labui = {med['official'] / med['cold']:.1f}x")
    print(f"RATIO validate_real_148_warm_cpu official/labui = {med['official'] / med['warm']:.1f}x")
    base = statistics.median(official)
    print(f"RATIO validate_real_148_cold official/labui = {base / statistics.median(cold):.1f}x (goal >= 5x)")
    print(
        f"RATIO validate_real_148_warm official/labui = {base / statistics.median(warm):.1f}x (goal >= 20x)"
    )


if __name__ == "__main__":
    main()
