"""Generate a large synthetic taxonomy for scaling benchmarks.

Leaves are copies of real ones (the public taxonomy in ../shared/data and the bundled sample, so
versions 1 and 3 with and without lint) spread over a deep tree, each with its attribution.txt.

Usage: python bench/gen_taxonomy.py OUT_DIR [N_LEAVES]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT


def sources() -> list[tuple[str, Path]]:
    """(top branch, leaf folder) of every real leaf to copy from."""
    out = []
    for base in (REAL_TAXONOMY, ROOT / "taxonomy"):
        if base.exists():
            for f in sorted(base.rglob("qna.yaml")):
                out.append((f.relative_to(base).parts[0], f.parent))
    if not out:
        sys.exit("bench: no source leaves found")
    return out


def generate(out: Path, n: int) -> Path:
    if out.exists():
        shutil.rmtree(out)
    src = sources()
    for i in range(n):
        branch, folder = src[i % len(src)]
        leaf = out / branch / f"area_{i % 10}" / f"group_{(i // 10) % 100}" / f"leaf_{i}"
        leaf.mkdir(parents=True)
        shutil.copyfile(folder / "qna.yaml", leaf / "qna.yaml")
        attribution = folder / "attribution.txt"
        if attribution.exists():
            shutil.copyfile(attribution, leaf / "attribution.txt")
    return out


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
