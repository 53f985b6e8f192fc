"""Embedding throughput: labui's pipeline against SentenceTransformer.encode on the same texts, same run.

The texts are everything a coverage run of the real taxonomy against the self-instruct tasks embeds
(leaf describe texts, seed questions, task instructions and inputs). The direct baseline calls
`SentenceTransformer.encode` once (the same model folder loaded by sentence-transformers, same batch
size and normalisation); labui's side runs it on its transformers fast path. labui's side is the
whole pipeline on a cold cache: hashing, cache lookup, length-sorted chunked encoding with progress,
and writing every vector to SQLite. Runs alternate, each side going first
half the time, so machine load and warm-up hit both alike.

    python bench/bench_embed.py [--repeat 4] [--batch-size 64] [--device auto]

Prints `RATIO embed_pipeline_vs_direct = x` (goal >= 0.95; higher is better).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, SEED_TASKS, require

sys.path.insert(0, str(ROOT))

from labui.coverage.embed import CachedEmbedder, SentenceTransformerEmbedder
from labui.coverage.index import describe_text, seed_texts
from labui.coverage.realdata import load_files
from labui.store import Store
from labui.taxonomy import load_taxonomy


def corpus() -> list[str]:
    tx = load_taxonomy(REAL_TAXONOMY)
    texts = [describe_text(leaf) for leaf in tx.leaves] + [t for leaf in tx.leaves for t in seed_texts(leaf)]
    texts += load_files([SEED_TASKS], ["instruction"]).texts
    texts += [t for t in load_files([SEED_TASKS], ["instances.input"]).texts if t]
    return list(dict.fromkeys(texts))  # unique: a cache would fold duplicates, the baseline would not


def _recorder(done: list[int]) -> Callable[[int, int], None]:
    """A progress callback that records how many texts were done at each call."""
    return lambda d, _n: done.append(d)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    require(REAL_TAXONOMY)
    require(SEED_TASKS)
    texts = corpus()
    enc = SentenceTransformerEmbedder(device=args.device, batch_size=args.batch_size)
    st = SentenceTransformerEmbedder(device=args.device, batch_size=args.batch_size, fast=False).model
    print(
        f"{len(texts)} unique texts; encoder {enc.name} on {enc.device} ({enc.backend}), "
        f"batch size {args.batch_size}"
    )
    st.encode(texts[:64], batch_size=args.batch_size)  # warm-up (kernels, allocator)
    enc.encode(texts[:64])

    direct: list[float] = []
    ours: list[float] = []
    warm: list[float] = []

    def run_direct() -> None:
        t = time.perf_counter()
        st.encode(
            texts,
            batch_size=args.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        direct.append(time.perf_counter() - t)

    def run_ours(workspace: Path) -> None:
        cached = CachedEmbedder(enc, Store(workspace))  # a cold cache each time
        done: list[int] = []
        t = time.perf_counter()
        cached.encode(texts, _recorder(done))
        ours.append(time.perf_counter() - t)
        assert cached.last.misses == len(texts) and done[-1] == len(texts)
        t = time.perf_counter()
        cached.encode(texts)
        warm.append(time.perf_counter() - t)
        assert cached.last.misses == 0

    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            # Which side goes first alternates: back-to-back runs of one encoder are not equally fast.
            if r % 2 == 0:
                run_direct()
                run_ours(Path(tmp) / f"ws{r}.sqlite")
            else:
                run_ours(Path(tmp) / f"ws{r}.sqlite")
                run_direct()

    d, o, w = statistics.median(direct), statistics.median(ours), statistics.median(warm)
    print(f"SentenceTransformer.encode directly: median {d:.2f}s  ({len(texts) / d:,.0f} texts/s)")
    print(f"labui pipeline, cold cache:          median {o:.2f}s  ({len(texts) / o:,.0f} texts/s)")
    print(f"labui pipeline, warm cache:          median {w:.3f}s  ({len(texts) / w:,.0f} texts/s)")
    print(f"RATIO embed_pipeline_vs_direct = {d / o:.3f} (goal >= 0.95)")
    print(f"RATIO embed_warm_cache_vs_direct = {d / w:.1f}x")


if __name__ == "__main__":
    main()
