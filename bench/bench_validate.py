"""`labui validate` against InstructLab's official parser on the real 148-leaf taxonomy.

Both are timed as whole processes (interpreter start-up and imports included), in the same run.
Prints the ratio official / labui (higher is better; the goal is >= 5).
"""

from __future__ import annotations

import statistics
import sys

from _common import REAL_TAXONOMY, require, summary, time_process


def main() -> None:
    require(REAL_TAXONOMY)
    py = sys.executable
    official = time_process([py, "bench/official_validate.py", str(REAL_TAXONOMY)], repeat=5)
    ours = time_process([py, "-m", "labui.cli", "validate", str(REAL_TAXONOMY), "-q"], repeat=5)
    serial = time_process([py, "-m", "labui.cli", "validate", str(REAL_TAXONOMY), "-q", "-j", "1"], repeat=5)
    print(f"official TaxonomyParser (strict): {summary(official)}")
    print(f"labui validate (auto jobs):        {summary(ours)}")
    print(f"labui validate (-j 1):             {summary(serial)}")
    ratio = statistics.median(official) / statistics.median(ours)
    print(f"RATIO validate_real_148 official/labui = {ratio:.1f}x (goal >= 5x)")


if __name__ == "__main__":
    main()
