"""How `labui validate` grows with the size of a taxonomy: 1,000 / 3,000 / 10,000 generated leaves.

The official parser is measured on the 1,000-leaf tree in the same run (its cost per leaf is flat,
a subprocess per linted file), so the ratio at that size is a measurement, not an extrapolation.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from _common import REAL_TAXONOMY, require, summary, time_process
from gen_taxonomy import generate


def main() -> None:
    require(REAL_TAXONOMY)
    py = sys.executable
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 3_000, 10_000]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for n in sizes:
            root = generate(Path(tmp) / f"tx{n}", n)
            repeat = 3 if n <= 3_000 else 1
            ours = time_process([py, "-m", "labui.cli", "validate", str(root), "-q"], repeat=repeat)
            serial = time_process([py, "-m", "labui.cli", "validate", str(root), "-q", "-j", "1"], repeat=1)
            rows.append((n, statistics.median(ours), serial[0]))
            print(
                f"{n:>6} leaves: labui {summary(ours)}; -j 1 {serial[0]:.2f}s; {1e3 * rows[-1][1] / n:.2f} ms/leaf"
            )
            if n == sizes[0]:
                official = time_process([py, "bench/official_validate.py", str(root)], repeat=1)
                print(f"{n:>6} leaves: official {summary(official)}")
                ratio = statistics.median(official) / rows[-1][1]
                print(f"RATIO validate_generated_{n} official/labui = {ratio:.1f}x")
        (n0, t0, _), (n1, t1, _) = rows[0], rows[-1]
        print(
            f"growth: {n1 / n0:.0f}x the leaves took {t1 / t0:.1f}x the time (linear would be {n1 / n0:.0f}x)"
        )


if __name__ == "__main__":
    main()
