"""The baseline: InstructLab's own parser over a taxonomy, strict, as `ilab taxonomy diff` runs it.

Usage: python bench/official_validate.py TAXONOMY_DIR   (prints leaves and leaves with errors)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from instructlab.schema.taxonomy import TaxonomyMessageFormat, TaxonomyParser


def main(root: Path) -> int:
    logging.disable(logging.CRITICAL)
    parser = TaxonomyParser(
        schema_version=0, yamllint_strict=True, message_format=TaxonomyMessageFormat.LOGGING
    )
    parser.yq_available = False  # no usable yq here; it would only add failing subprocesses (fairer to it)
    bad = 0
    files = sorted(root.rglob("qna.yaml"))
    for f in files:
        try:
            bad += parser.parse(f).errors > 0
        except Exception:
            bad += 1
    print(f"{len(files)} leaves, {bad} with errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
