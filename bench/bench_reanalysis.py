"""Re-analysis after editing one leaf against a full analysis, on the real 148-leaf tree.

Full analysis: a cold embedding cache, so every leaf text and every real request is embedded, then
scored, clustered and reported (what a first run costs). Re-analysis: one seed question of one leaf
is edited on disk and the tree re-read; the same `analyse` call then finds every other text in the
workspace cache and embeds only the edited question. Both start from a loaded taxonomy (reading
and validating the tree is the Taxonomy page's cached step, timed separately below) and use the
same encoder object, already loaded. Runs alternate so machine load hits both alike.

    python bench/bench_reanalysis.py [--repeat 3]

Prints `RATIO reanalysis_vs_full = x` (goal >= 50; higher is better).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, SEED_TASKS, require

sys.path.insert(0, str(ROOT))

from labui.coverage.analysis import analyse
from labui.coverage.embed import CachedEmbedder, SentenceTransformerEmbedder
from labui.coverage.realdata import load_files
from labui.store import Store
from labui.taxonomy import load_taxonomy

LEAF = "compositional_skills/writing/freeform/poetry/haiku/qna.yaml"
OLD = "Write a haiku that captures the beauty of a single autumn leaf."


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    require(REAL_TAXONOMY)
    require(SEED_TASKS)
    encoder = SentenceTransformerEmbedder()
    texts = load_files([SEED_TASKS], ["instruction"]).texts
    full, again, load = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "taxonomy"
        shutil.copytree(REAL_TAXONOMY, tree)
        leaf_file = tree / LEAF
        original = leaf_file.read_text(encoding="utf-8")
        assert OLD in original, f"{LEAF} no longer holds the seed this bench edits"
        encoder.encode(["warm up the encoder"])
        for r in range(args.repeat):
            leaf_file.write_text(original, encoding="utf-8")
            tx = load_taxonomy(tree)
            store = Store(Path(tmp) / f"ws{r}.sqlite")  # a cold cache each time

            cold = CachedEmbedder(encoder, store)
            t = time.perf_counter()
            analyse(tx, texts, cold)
            full.append(time.perf_counter() - t)

            leaf_file.write_text(original.replace(OLD, f"Write a haiku about a lighthouse in storm {r}."))
            t = time.perf_counter()
            edited = load_taxonomy(tree)
            load.append(time.perf_counter() - t)

            warm = CachedEmbedder(encoder, store)
            t = time.perf_counter()
            report, _ = analyse(edited, texts, warm)
            again.append(time.perf_counter() - t)
            assert warm.stats.misses == 1, f"re-analysis embedded {warm.stats.misses} texts, expected 1"
            assert len(report.leaves) == len(tx.leaves)

    f, a, ld = statistics.median(full), statistics.median(again), statistics.median(load)
    n_texts = cold.stats.misses
    print(f"{len(tx.leaves)} leaves, {len(texts)} real requests, {n_texts} texts embedded on a cold cache")
    print(f"full analysis (cold cache):        median {f:.3f}s")
    print(f"re-analysis after one-leaf edit:   median {a * 1000:.1f} ms (1 text embedded)")
    print(f"re-reading and validating the tree: median {ld * 1000:.0f} ms (the page caches it by content)")
    print(f"RATIO reanalysis_vs_full = {f / a:.1f}x (goal >= 50)")


if __name__ == "__main__":
    main()
