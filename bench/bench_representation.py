"""Which leaf representation assigns requests best? Measured on a hand-labelled held-out set.

bench/heldout_requests.jsonl holds 50 requests written for this purpose (not taken from any seed
and not used by the tests), each with the leaf or leaves of the real July-2024 taxonomy that plainly
cover it. For every representation in labui.coverage, and for seed texts with and without answers,
prints top-1 / top-3 accuracy, then the similarity distributions the default threshold is read from.

    python bench/bench_representation.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import REAL_TAXONOMY, ROOT, SEED_TASKS, require

sys.path.insert(0, str(ROOT))

from labui.coverage import REPRESENTATIONS, index_taxonomy, leaf_scores, score_items
from labui.embed import CachedEmbedder, SentenceTransformerEmbedder
from labui.realdata import load_files
from labui.store import Store
from labui.taxonomy import load_taxonomy

HELDOUT = Path(__file__).resolve().parent / "heldout_requests.jsonl"


def main() -> None:
    require(REAL_TAXONOMY)
    tx = load_taxonomy(REAL_TAXONOMY)
    cases = [json.loads(line) for line in HELDOUT.read_text().splitlines() if line.strip()]
    paths = {leaf.path for leaf in tx.leaves}
    for c in cases:
        missing = [p for p in c["leaves"] if p not in paths]
        assert not missing, f"held-out case names unknown leaves: {missing}"
    workspace = Path(os.environ.get("LABUI_BENCH_WORKSPACE", Path(tempfile.gettempdir()) / "labui-bench"))
    embedder = CachedEmbedder(SentenceTransformerEmbedder(), Store(workspace / "workspace.sqlite"))
    x = embedder.encode([c["text"] for c in cases])
    print(
        f"{len(cases)} held-out requests, {len(tx.leaves)} leaves, encoder {embedder.name} on {embedder.device}"
    )
    print(f"{'representation':22} {'seed text':10} {'top-1':>6} {'top-3':>6}")
    results = {}
    for with_answers in (False, True):
        index = index_taxonomy(tx, embedder, with_answers=with_answers)
        for rep in REPRESENTATIONS:
            s = leaf_scores(index, x, rep)
            order = np.argsort(-s, axis=1)[:, :3]
            top1 = np.mean([index.leaves[o[0]] in c["leaves"] for o, c in zip(order, cases, strict=True)])
            top3 = np.mean(
                [any(index.leaves[j] in c["leaves"] for j in o) for o, c in zip(order, cases, strict=True)]
            )
            label = "q+answer" if with_answers else "question"
            results[(rep, label)] = (top1, top3)
            print(f"{rep:22} {label:10} {top1:6.0%} {top3:6.0%}")
    best = max(results, key=lambda k: (results[k][0], results[k][1]))
    print(
        f"best: {best[0]} with {best[1]} seed text: top-1 {results[best][0]:.0%}, top-3 {results[best][1]:.0%}"
    )

    # Similarity distributions behind the default threshold (default representation).
    index = index_taxonomy(tx, embedder)
    sc = score_items(index, x)
    right = [
        float(sc.best_similarity[i])
        for i, c in enumerate(cases)
        if index.leaves[int(sc.best[i])] in c["leaves"]
    ]
    print(
        f"held-out, best leaf right (n={len(right)}): similarity percentiles 5/25/50 = "
        f"{np.percentile(right, 5):.3f} / {np.percentile(right, 25):.3f} / {np.percentile(right, 50):.3f}"
    )
    if SEED_TASKS.exists():
        data = load_files([SEED_TASKS], ["instruction"])
        y = embedder.encode(data.texts)
        ss = score_items(index, y).best_similarity
        pct = np.percentile(ss, [10, 25, 50, 75, 90])
        print(
            "seed_tasks best-leaf similarity percentiles 10/25/50/75/90 = "
            + " / ".join(f"{p:.3f}" for p in pct)
        )
        for t in (0.35, 0.40, 0.45, 0.50):
            print(
                f"  threshold {t:.2f}: {np.mean(ss >= t):.0%} of seed_tasks covered, "
                f"{np.mean(np.array(right) >= t):.0%} of rightly assigned held-out covered"
            )
    divs = []
    from labui.coverage import diversity

    for i in range(len(index.leaves)):
        if index.seed_count(i) >= 3:
            divs.append(diversity(index.leaf_seed_vectors(i)))
    print(f"seed diversity of leaves with >= 3 seed questions: median {np.median(divs):.3f} (n={len(divs)})")


if __name__ == "__main__":
    main()
