"""Coverage of many synthetic real requests against the real 148-leaf tree: time and memory, and how
they grow from 1,000 to 100,000 items.

The requests are generated from templates (task x topic x audience x style, all distinct), embedded for real
with the default encoder through labui's cache, then scored against every leaf, split at the
threshold, clustered and reported with `labui.coverage`. Each size is a fresh run on the first n
requests. Memory is the peak of Python and numpy allocations during the analysis (tracemalloc),
beside the vectors themselves (n x 384 floats).

    python bench/bench_coverage_scale.py [--sizes 1000,10000,100000]

Prints the embedding time of the largest size and, per size, the analysis time and peak memory;
`RATIO coverage_growth_10x_items = x` is how much longer 10x the items take (10 = linear).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, require

sys.path.insert(0, str(ROOT))

from labui.coverage.analysis import build_report
from labui.coverage.embed import CachedEmbedder, SentenceTransformerEmbedder
from labui.coverage.index import index_taxonomy
from labui.coverage.scoring import score_items
from labui.store import Store
from labui.taxonomy import load_taxonomy

TASKS = [
    "Write a haiku about {t}",
    "Write a short story about {t}",
    "Summarise the main facts about {t}",
    "Explain {t} to me",
    "Give me three questions to test knowledge of {t}",
    "Draft a polite email declining an invitation to talk about {t}",
    "Write a limerick about {t}",
    "List the pros and cons of {t}",
    "Translate a sentence about {t} into French",
    "Write a product description for something related to {t}",
    "Create a lesson plan about {t}",
    "Extract the dates mentioned in a news item about {t}",
    "Write a tweet announcing news about {t}",
    "Compose a sonnet about {t}",
    "Classify the sentiment of a review about {t}",
    "Write a job posting for an expert in {t}",
    "Suggest five blog post titles about {t}",
    "Write a debate opening arguing for {t}",
    "Explain the history of {t}",
    "Write a riddle whose answer is {t}",
    "Generate a multiple-choice quiz on {t}",
    "Write a haiku sequence on {t}",
    "Create a marketing slogan for {t}",
    "Write an apology letter that mentions {t}",
    "Outline a research plan on {t}",
]
TOPICS = [
    "the ocean",
    "black holes",
    "medieval castles",
    "coffee",
    "electric cars",
    "honeybees",
    "the stock market",
    "volcanoes",
    "ancient Rome",
    "chess",
    "machine learning",
    "gardening",
    "the French revolution",
    "jazz",
    "climate change",
    "quantum computing",
    "the human heart",
    "bread baking",
    "mountain climbing",
    "tea",
    "photosynthesis",
    "the moon landing",
    "cryptocurrency",
    "origami",
    "the Amazon rainforest",
    "robots",
    "marathon running",
    "vaccines",
    "renaissance painting",
    "submarines",
    "the printing press",
    "owls",
    "solar panels",
    "the Great Wall",
    "hip hop",
    "tax returns",
    "public libraries",
    "antarctica",
    "pizza",
    "earthquakes",
]
AUDIENCES = [
    "",
    " for a child",
    " for an expert",
    " for a teenager",
    " for my grandmother",
    " for a newsletter",
    " for a podcast",
    " for a job interview",
    " for beginners",
    " for a museum label",
    " for a science fair",
    " for a sales team",
    " for a classroom",
    " for a travel guide",
    " for investors",
    " for social media",
    " for a bedtime story",
    " for a conference talk",
    " for a README",
    " for a chatbot",
]
STYLES = ["", " in one sentence", " in a formal tone", " step by step", " with a joke", " in bullet points"]


def requests(n: int) -> list[str]:
    combos = itertools.product(
        STYLES, AUDIENCES, TASKS, TOPICS
    )  # topics vary fastest: small sizes stay varied
    out = [f"{task.format(t=topic)}{aud}{style}." for style, aud, task, topic in itertools.islice(combos, n)]
    if len(out) < n:
        sys.exit(f"bench: the templates make only {len(out)} distinct requests, fewer than {n}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    require(REAL_TAXONOMY)
    tx = load_taxonomy(REAL_TAXONOMY)
    texts = requests(sizes[-1])
    workspace = Path(os.environ.get("LABUI_BENCH_WORKSPACE", Path(tempfile.gettempdir()) / "labui-bench"))
    embedder = CachedEmbedder(SentenceTransformerEmbedder(), Store(workspace / "workspace.sqlite"))
    index = index_taxonomy(tx, embedder)

    t = time.perf_counter()
    vectors = embedder.encode(texts)
    took = time.perf_counter() - t
    print(
        f"embedded {len(texts):,} requests on {embedder.device} in {took:.1f}s "
        f"({embedder.last.misses:,} new, {embedder.last.hits:,} from the cache)"
    )

    times: dict[int, float] = {}
    print(
        f"{'items':>8} {'analysis':>10} {'per 1k':>8} {'peak mem':>9} {'vectors':>8} {'covered':>8} {'clusters':>8}"
    )
    for n in sizes:
        tracemalloc.start()
        t = time.perf_counter()
        scores = score_items(index, vectors[:n])
        report = build_report(index, texts[:n], vectors[:n], scores)
        times[n] = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{n:>8,} {times[n]:>9.2f}s {times[n] / n * 1000:>7.3f}s {peak / 2**20:>7.0f}MB "
            f"{vectors[:n].nbytes / 2**20:>6.0f}MB {report.covered / n:>8.0%} {len(report.clusters):>8}"
        )
    for small, big in itertools.pairwise(sizes):
        if big == 10 * small:
            print(
                f"RATIO coverage_growth_10x_items_{small}_to_{big} = {times[big] / times[small]:.1f} (10 = linear)"
            )


if __name__ == "__main__":
    main()
