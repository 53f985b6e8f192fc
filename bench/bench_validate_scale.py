"""How `labui validate` grows with the size of a taxonomy: 1,000 / 3,000 / 10,000 generated leaves.

Per size, whole processes: labui with no cache (every leaf validated; auto workers and -j 1), then
labui with the verdict cache on an unchanged tree (the second run of the day). The official parser is
measured on the first size in the same run (its cost per leaf is flat), so the ratio there is a
measurement, not an extrapolation. Then, in-process: reopening the largest tree, unchanged, through
the verdict cache. Last, the app itself (its script run by Streamlit's AppTest, in a fresh process
each, as after a server restart): the Taxonomy page opened on the largest tree cold (no verdicts:
the baseline), then unchanged (goal: under 2 s at 10,000 leaves), then in a second session of the
same process (the taxonomy in memory). `--app N` runs only that last part, on N leaves.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, env_with_venv, require, summary, time_process
from gen_taxonomy import generate


def _reopen(root: Path, workspace: Path) -> tuple[float, float, int]:
    from labui.store import Store
    from labui.store.verdicts import Verdicts
    from labui.taxonomy import load_taxonomy

    verdicts = Verdicts(Store(workspace / "reopen.sqlite", areas=("verdicts",)))
    t = time.perf_counter()
    first = load_taxonomy(root, verdicts=verdicts)
    cold = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    again = load_taxonomy(root, verdicts=Verdicts(Store(workspace / "reopen.sqlite", areas=("verdicts",))))
    warm, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"reopen in-process, unchanged: CPU {cpu:.2f}s (wall counts the neighbours' load too)")
    assert [leaf.diagnostics for leaf in first.leaves] == [leaf.diagnostics for leaf in again.leaves]
    return cold, warm, len(again.leaves)


def _app_child() -> None:
    """In a fresh process: the app opened on $LABUI_TAXONOMY, then a second session; seconds as JSON."""
    from streamlit.testing.v1 import AppTest

    out: dict[str, float | str] = {}
    # What a server does once at start, before anyone opens a page (discovering installed components:
    # 0.3 s here), AppTest does on the first run of each instance: do it once on an empty script and
    # share the result (a private attribute of AppTest), so that "open" times what a person waits
    # for after a restart: the app's imports and its first script run.
    server = AppTest.from_string("")
    server.run()
    for name in ("open", "second_session"):
        t, c = time.perf_counter(), time.process_time()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
        at._bidi_component_manager = server._bidi_component_manager
        at.run()
        out[name], out[f"{name}_cpu"] = time.perf_counter() - t, time.process_time() - c
        assert not at.exception, [e.value for e in at.exception]
        out["leaves"] = next(m.value for m in at.metric if m.label == "Leaves")
    print(json.dumps(out))


def _app_open(root: Path, workspace: Path) -> dict[str, float | str]:
    env = dict(env_with_venv(), LABUI_TAXONOMY=str(root), LABUI_WORKSPACE=str(workspace))
    proc = subprocess.run(
        [sys.executable, __file__, "--app-child"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def app_reopen(root: Path, workspace: Path) -> None:
    """The Taxonomy page on `root`: cold (the baseline), unchanged after a restart, a second session."""
    cold = _app_open(root, workspace)  # fills the workspace's verdicts
    warm = _app_open(root, workspace)
    n = warm["leaves"]
    print(f"app, {n} leaves, cold (nothing cached): {cold['open']:.2f}s")
    print(
        f"app, {n} leaves, unchanged after a restart: {warm['open']:.2f}s (CPU {warm['open_cpu']:.2f}s; "
        f"goal < 2 s); a second session: {warm['second_session']:.2f}s"
    )
    print(f"RATIO app_reopen_{n} cold/unchanged = {float(cold['open']) / float(warm['open']):.1f}x")


def main() -> None:
    require(REAL_TAXONOMY)
    if sys.argv[1:2] == ["--app-child"]:
        _app_child()
        return
    if sys.argv[1:2] == ["--app"]:
        n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
        with tempfile.TemporaryDirectory() as tmp:
            app_reopen(generate(Path(tmp) / f"tx{n}", n), Path(tmp) / "workspace")
        return
    py = sys.executable
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 3_000, 10_000]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        os.environ["LABUI_WORKSPACE"] = str(Path(tmp) / "workspace")
        rows = []
        for n in sizes:
            root = generate(Path(tmp) / f"tx{n}", n)
            repeat = 3 if n <= 3_000 else 1
            cmd = [py, "-m", "labui.cli", "validate", str(root), "-q"]
            ours = time_process([*cmd, "--no-cache"], repeat=repeat)
            serial = time_process([*cmd, "--no-cache", "-j", "1"], repeat=1)
            time_process(cmd, repeat=1)  # fills the cache
            warm = time_process(cmd, repeat=repeat)
            rows.append((n, statistics.median(ours), serial[0], statistics.median(warm)))
            print(
                f"{n:>6} leaves: labui {summary(ours)}; -j 1 {serial[0]:.2f}s; "
                f"{1e3 * rows[-1][1] / n:.2f} ms/leaf; unchanged (cache) {summary(warm)}"
            )
            if n == sizes[0]:
                official = time_process([py, "bench/official_validate.py", str(root)], repeat=1)
                print(f"{n:>6} leaves: official {summary(official)}")
                base = statistics.median(official)
                print(f"RATIO validate_generated_{n} official/labui = {base / rows[-1][1]:.1f}x")
                print(f"RATIO validate_generated_{n}_unchanged official/labui = {base / rows[-1][3]:.1f}x")
        (n0, t0, _, _), (n1, t1, _, _) = rows[0], rows[-1]
        print(
            f"growth: {n1 / n0:.0f}x the leaves took {t1 / t0:.1f}x the time (linear would be {n1 / n0:.0f}x)"
        )
        first, again, n = _reopen(Path(tmp) / f"tx{sizes[-1]}", Path(tmp))
        print(f"reopen in-process, {n} leaves: first {first:.2f}s, unchanged {again:.2f}s (goal < 2 s)")
        print(f"RATIO reopen_{n}_unchanged first/unchanged = {first / again:.1f}x")
        app_reopen(Path(tmp) / f"tx{sizes[-1]}", Path(tmp) / "app-workspace")


if __name__ == "__main__":
    main()
