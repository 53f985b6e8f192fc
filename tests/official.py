"""Run InstructLab's own parser the way `ilab taxonomy diff` does (strict), for comparisons."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path


def official_verdicts(root: Path) -> dict[str, bool]:
    """Leaf folder (relative, POSIX) -> whether the official parser finds an error (raising counts)."""
    from instructlab.schema.taxonomy import TaxonomyMessageFormat, TaxonomyParser

    # The parser shells out to `yamllint`; make sure it finds the one installed beside this Python.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    logging.getLogger("instructlab.schema").setLevel(logging.CRITICAL)
    parser = TaxonomyParser(
        schema_version=0, yamllint_strict=True, message_format=TaxonomyMessageFormat.LOGGING
    )
    parser.yq_available = False  # no usable yq here; it would only add failing subprocesses
    verdicts = {}
    for f in sorted(root.rglob("qna.yaml")):
        rel = f.parent.relative_to(root).as_posix()
        try:
            verdicts[rel] = parser.parse(f).errors > 0
        except Exception:  # the official parser raises on YAML syntax errors
            verdicts[rel] = True
    return verdicts
