"""Which leaf representation assigns requests best? Measured on hand-labelled held-out requests.

Two sets, each request with the leaf or leaves of the real July-2024 taxonomy that plainly cover it,
none taken from a seed and neither used by the tests:
- bench/heldout_requests.jsonl (50): the tuning set. The representation, the blend weight and the
  default threshold were chosen on it.
- bench/heldout_report.jsonl (60, 61 leaves): written blind afterwards (by reading the taxonomy, no
  encoder run) and never tuned on; its top-1 / top-3 for the default are the figures to report.
For every representation in labui.coverage, and for seed texts with and without answers, prints
top-1 / top-3 accuracy on both, then the similarity distributions the default threshold is read from.

    python bench/bench_representation.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _common import REAL_TAXONOMY, ROOT, SEED_TASKS, require

sys.path.insert(0, str(ROOT))

from labui.coverage.embed import CachedEmbedder, SentenceTransformerEmbedder
from labui.coverage.index import REPRESENTATIONS, index_taxonomy
from labui.coverage.metrics import diversity
from labui.coverage.realdata import load_files
from labui.coverage.scoring import leaf_scores, score_items
from labui.store import Store
from labui.taxonomy import load_taxonomy

HERE = Path(__file__).resolve().parent
TUNING = HERE / "heldout_requests.jsonl"
REPORT = HERE / "heldout_report.jsonl"


def read_cases(path: Path, leaves: set[str]) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for c in cases:
        missing = [p for p in c["leaves"] if p not in leaves]
        assert not missing, f"{path.name} names unknown leaves: {missing}"
    return cases


def accuracy(leaves: list[str], scores: np.ndarray, cases: list[dict[str, Any]]) -> tuple[float, float]:
    """Top-1 and top-3 accuracy: the best leaf, or one of the best three, is a right one."""
    order = np.argsort(-scores, axis=1)[:, :3]
    top1 = np.mean([leaves[o[0]] in c["leaves"] for o, c in zip(order, cases, strict=True)])
    top3 = np.mean([any(leaves[j] in c["leaves"] for j in o) for o, c in zip(order, cases, strict=True)])
    return float(top1), float(top3)


def main() -> None:
    require(REAL_TAXONOMY)
    tx = load_taxonomy(REAL_TAXONOMY)
    paths = {leaf.path for leaf in tx.leaves}
    tuning, report = read_cases(TUNING, paths), read_cases(REPORT, paths)
    workspace = Path(os.environ.get("LABUI_BENCH_WORKSPACE", Path(tempfile.gettempdir()) / "labui-bench"))
    embedder = CachedEmbedder(SentenceTransformerEmbedder(), Store(workspace / "workspace.sqlite"))
    x_tune = embedder.encode([c["text"] for c in tuning])
    x_report = embedder.encode([c["text"] for c in report])
    print(
        f"{len(tuning)} tuning + {len(report)} blind report requests, {len(tx.leaves)} leaves, "
        f"encoder {embedder.name} on {embedder.device}"
    )
    print(
        f"{'representation':18} {'seed text':9} {'tuning top-1':>12} {'top-3':>6} {'report top-1':>12} {'top-3':>6}"
    )
    results = {}
    for with_answers in (False, True):
        index = index_taxonomy(tx, embedder, with_answers=with_answers)
        label = "q+answer" if with_answers else "question"
        for rep in REPRESENTATIONS:
            tune = accuracy(index.leaves, leaf_scores(index, x_tune, rep), tuning)
            held = accuracy(index.leaves, leaf_scores(index, x_report, rep), report)
            results[(rep, label)] = tune
            print(f"{rep:18} {label:9} {tune[0]:12.0%} {tune[1]:6.0%} {held[0]:12.0%} {held[1]:6.0%}")
    top = max(r[0] for r in results.values())
    best = [f"{rep} ({label}, top-3 {r[1]:.0%})" for (rep, label), r in results.items() if r[0] == top]
    print(f"best top-1 on the tuning set ({top:.0%}): " + ", ".join(best))

    index = index_taxonomy(tx, embedder)  # the default representation
    r1, r3 = accuracy(index.leaves, leaf_scores(index, x_report), report)
    d1, _ = accuracy(index.leaves, leaf_scores(index, x_report, "describe"), report)
    print(f"default ({index.representation}) on the blind report set: top-1 {r1:.0%}, top-3 {r3:.0%}")
    print(f"RATIO report_top1_default_vs_describe_only = {r1 / max(d1, 1e-9):.2f}")

    # Similarity distributions behind the default threshold.
    sc = score_items(index, x_tune)
    right = [
        float(sc.best_similarity[i])
        for i, c in enumerate(tuning)
        if index.leaves[int(sc.best[i])] in c["leaves"]
    ]
    p5, p25, p50 = np.percentile(right, [5, 25, 50])
    print(
        f"tuning, best leaf right (n={len(right)}): similarity percentiles 5/25/50 = {p5:.3f} / {p25:.3f} / {p50:.3f}"
    )
    if SEED_TASKS.exists():
        y = embedder.encode(load_files([SEED_TASKS], ["instruction"]).texts)
        ss = score_items(index, y).best_similarity
        pct = np.percentile(ss, [10, 25, 50, 75, 90])
        print(
            "seed_tasks best-leaf similarity percentiles 10/25/50/75/90 = "
            + " / ".join(f"{p:.3f}" for p in pct)
        )
        for t in (0.35, 0.40, 0.45, 0.50):
            print(
                f"  threshold {t:.2f}: {np.mean(ss >= t):.0%} of seed_tasks covered, "
                f"{np.mean(np.array(right) >= t):.0%} of rightly assigned tuning requests covered"
            )
    divs = [
        diversity(index.leaf_seed_vectors(i)) for i in range(len(index.leaves)) if index.seed_count(i) >= 3
    ]
    print(f"seed diversity of leaves with >= 3 seed questions: median {np.median(divs):.3f} (n={len(divs)})")


if __name__ == "__main__":
    main()
