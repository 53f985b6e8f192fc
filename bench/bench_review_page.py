"""The whole Review page at scale: one server-side run of the page (AppTest), per open tab.

Opening a tab reruns the page, so a run's time is how long a reviewer waits for a tab's fresh
content. For each size N (default 100k and 1.2M samples, built as bench_review_scale builds them:
30% accepted, 5% flagged, none rejected), time a run with each tab open; baseline, measured in the
same run: the same Streamlit machinery on a page that draws one line (the framework's own cost).

    .venv/bin/python bench/bench_review_page.py [N ...]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, require

sys.path.insert(0, str(ROOT))

from bench_review_scale import build

TABS = ("Focus", "Queue", "Trash", "Bulk", "Gates", "Similar", "Agreement")
REPEAT = 5


def _median_run(at: object, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        at.run()  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(n: int, work: Path) -> dict[str, float]:
    import shutil

    from streamlit.testing.v1 import AppTest

    from labui.store.db import Store
    from labui.taxonomy import load_taxonomy
    from labui.ui.nav import KEY_SHELL_STARTED, KEY_TAXONOMY_PATH, KEY_USER_NAME

    tx_dir = work / f"tx-{n}"
    shutil.copytree(REAL_TAXONOMY, tx_dir)
    os.environ["LABUI_WORKSPACE"] = str(work / f"ws-{n}")
    tx = load_taxonomy(tx_dir)
    t = time.perf_counter()
    build(Store.for_taxonomy(tx_dir).path, n, [(leaf.path, str(leaf.kind)) for leaf in tx.leaves])
    out = {"n": float(n), "build_s": time.perf_counter() - t}
    baseline = AppTest.from_string("import streamlit as st\nst.write('one line')", default_timeout=600)
    baseline.run()
    out["base_s"] = _median_run(baseline)
    at = AppTest.from_file(str(ROOT / "pages" / "review.py"), default_timeout=600)
    at.session_state[KEY_SHELL_STARTED] = True
    at.session_state[KEY_TAXONOMY_PATH] = str(tx_dir)
    at.session_state[KEY_USER_NAME] = "bench"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for tab in TABS:
        at.session_state["rv_tab"] = tab
        at.run()
        out[tab] = _median_run(at)
    return out


def main(argv: list[str]) -> None:
    require(REAL_TAXONOMY)
    sizes = [int(a) for a in argv] or [100_000, 1_200_000]
    with tempfile.TemporaryDirectory(prefix="labui-bench-page-") as tmp:
        for n in sizes:
            r = measure(n, Path(tmp))
            base = r["base_s"]
            print(f"N = {n:,} samples (built in {r['build_s']:.0f}s); an empty page run {base * 1000:.1f} ms")
            for tab in TABS:
                print(
                    f"  {tab:<10} open: {r[tab] * 1000:7.1f} ms  (x{r[tab] / base:.0f} the empty page)",
                    flush=True,
                )


if __name__ == "__main__":
    main(sys.argv[1:])
