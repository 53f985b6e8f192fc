"""Review at scale: queue pages, one decision, a bulk reject of 100k, and the gates over a 100k run.

For each size N (default 10k, 100k, 1.2M): build a workspace with N synthetic samples of realistic
length (a question of ~20 words, an answer of ~120, over a 20k-word Zipf vocabulary) spread over the
real taxonomy's 148 leaves, in runs of at most 100k samples; 2% planted near duplicates, 30% already
accepted, 5% flagged. Then measure, each against a baseline measured in the same run:

  page      a filtered queue page (leaf + status new; a broad branch; flag; search, also for the
            most common word) with the counts the page shows (exact, or capped at 1,000+), the
            server-side work of one Review page run; baseline: the bare 50-row SELECT of that leaf
  decide    one accept (one transaction: action, decision, state); baseline: an empty transaction
  bulk      reject every sample of ~100k matches (leaves filter) in one transaction, then undo it
  gates     every gate over one run (up to 100k samples) with precomputed embeddings, so embedding
            time is excluded (it is the encoder's, measured by bench_embed); a child process, for
            its own peak memory; baseline: streaming the run's samples from the store

    .venv/bin/python bench/bench_review_scale.py [N ...]
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import REAL_TAXONOMY, ROOT, env_with_venv, require

sys.path.insert(0, str(ROOT))

from labui.store import review
from labui.store.db import Store
from labui.store.samples import SampleRow, insert_sample
from labui.taxonomy import load_taxonomy

RUN_SIZE = 100_000
VOCAB = 20_000

CHILD = """
import hashlib, json, resource, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, {root!r})
from labui.review.gates import run_gates
from labui.store.db import Store
from labui.store.samples import iter_samples
from labui.taxonomy import load_taxonomy

class Precomputed:
    # Vectors already computed (what the embedding cache gives on a second pass): a stable random
    # unit vector per text, so the gates' own work is what is timed.
    name, dim, device = "precomputed", 384, "cpu"
    def encode(self, texts, progress=None):
        out = np.empty((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

db, tax, mode = sys.argv[1:4]
store = Store(Path(db))
taxonomy = load_taxonomy(tax)
t = time.perf_counter()
if mode == "baseline":
    n = sum(1 for _ in iter_samples(store, run_ids=[1], batch=5000))
    out = {{"n": n, "seconds": time.perf_counter() - t}}
else:
    report = run_gates(store, taxonomy, run_ids=[1], embedder=Precomputed())
    total = time.perf_counter() - t
    out = {{"n": report.samples, "seconds": total - report.seconds.get("embed", 0.0),
           "parts": report.seconds, "flags": report.flags}}
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _texts(rng: np.random.Generator, vocab: list[str], n: int, mean_words: int) -> list[str]:
    lengths = np.clip(rng.normal(mean_words, mean_words / 4, n).astype(int), 3, None)
    ranks = rng.zipf(1.3, int(lengths.sum())) % len(vocab)
    out, pos = [], 0
    for k in lengths:
        out.append(" ".join(vocab[i] for i in ranks[pos : pos + k]))
        pos += k
    return out


def build_vocab(rng: np.random.Generator | None = None) -> list[str]:
    rng = rng or np.random.default_rng(7)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, rng.integers(2, 10))) for _ in range(VOCAB)]


def build(path: Path, n: int, leaves: list[tuple[str, str]]) -> Store:
    rng = np.random.default_rng(7)
    vocab = build_vocab(rng)
    store = Store(path)
    runs = (n + RUN_SIZE - 1) // RUN_SIZE
    with store.connect() as db:
        for _ in range(runs):
            db.execute(
                "INSERT INTO runs (created_at, status, config, teacher_model, teacher_url, prompt_version) "
                "VALUES (1.0, 'finished', '{}', 'bench-teacher', 'http://127.0.0.1:1/v1', 'bench-1')"
            )
    chunk = 50_000
    prev: dict[int, tuple[str, str]] = {}  # the last sample of each leaf, to plant near duplicates of
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        qs = _texts(rng, vocab, m, 20)
        ans = _texts(rng, vocab, m, 120)
        with store.connect() as db:
            for k in range(m):
                i = start + k
                q, a = qs[k], ans[k]
                if i % 50 == 49 and i % len(leaves) in prev:  # a near copy of its leaf's previous sample
                    q, a = prev[i % len(leaves)]
                    a = a + " indeed"
                prev[i % len(leaves)] = (q, a)
                path_, kind = leaves[i % len(leaves)]
                insert_sample(
                    db,
                    SampleRow(
                        0,
                        i // RUN_SIZE + 1,
                        path_,
                        kind,
                        i,
                        q,
                        a,
                        None,
                        (1,),
                        "bench-teacher",
                        "http://127.0.0.1:1/v1",
                        "bench-1",
                        {},
                        None,
                        "stop",
                        30,
                        150,
                        1.0,
                    ),
                )
    paths = [p for p, _ in leaves]
    review.decide_matching(store, review.Filter(leaves=tuple(paths[1::3])), "accepted", reviewer="bench")
    flagged = list(range(20, n + 1, 20))
    review.replace_flags(
        store, flagged, [review.Flag(sid, "near_duplicate", "bench", 0.9, sid - 1) for sid in flagged]
    )
    return store


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _page(store: Store, flt: review.Filter) -> None:
    review.queue_page(store, flt, limit=50)
    review.page_counts(store, flt)  # what the page shows: exact counters, or capped at 1,000+


def child(db: Path, mode: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), str(db), str(REAL_TAXONOMY), mode],
        capture_output=True,
        text=True,
        env=env_with_venv(),
        cwd=ROOT,
    )
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(n: int, work: Path, leaves: list[tuple[str, str]]) -> dict[str, float]:
    db = work / f"review-{n}.sqlite"
    t = time.perf_counter()
    store = build(db, n, leaves)
    built = time.perf_counter() - t
    leaf = leaves[0][0]
    out: dict[str, float] = {"n": n, "build_s": built}

    def bare() -> None:
        with store.connect() as con:
            con.execute("SELECT * FROM samples WHERE leaf_path = ? ORDER BY id LIMIT 50", (leaf,)).fetchall()

    out["page_base_ms"] = _median_ms(bare, 15)
    out["page_leaf_new_ms"] = _median_ms(
        lambda: _page(store, review.Filter(leaves=(leaf,), statuses=("new",))), 15
    )
    out["page_branch_ms"] = _median_ms(
        lambda: _page(store, review.Filter(branch="compositional_skills", statuses=("new",))), 7
    )
    out["page_branch_all_ms"] = _median_ms(
        lambda: _page(store, review.Filter(branch="compositional_skills")), 7
    )
    out["page_flag_ms"] = _median_ms(
        lambda: _page(store, review.Filter(gates=("near_duplicate",), leaves=(leaf,))), 15
    )
    t = time.perf_counter()
    with store.connect() as con:
        from labui.store.search import sync_search

        sync_search(con)
    out["fts_index_s"] = time.perf_counter() - t
    word = review.queue_page(store, review.Filter(leaves=(leaf,)), limit=1)[0][0].answer.split()[3]
    out["page_search_ms"] = _median_ms(lambda: _page(store, review.Filter(search=word, leaves=(leaf,))), 15)
    common = build_vocab()[1]  # Zipf rank 1: in nearly every sample
    out["page_search_common_ms"] = _median_ms(lambda: _page(store, review.Filter(search=common)), 15)

    def empty_tx() -> None:
        with store.connect() as con:
            con.execute("SELECT 1").fetchone()

    ids = iter(range(1, n, max(1, n // 40)))
    out["decide_base_ms"] = _median_ms(empty_tx, 30)
    out["decide_ms"] = _median_ms(lambda: review.decide(store, next(ids), "accepted", reviewer="bench"), 30)

    chosen: list[str] = []
    counts = review.decision_counts(store)
    total = 0
    for path_, _ in leaves:
        if total >= min(100_000, n // 2):
            break
        chosen.append(path_)
        total += sum(counts.get(path_, {}).values())
    flt = review.Filter(leaves=tuple(chosen))
    t = time.perf_counter()
    action, changed = review.decide_matching(store, flt, "rejected", reviewer="bench", description="bench")
    out["bulk_n"] = changed
    out["bulk_s"] = time.perf_counter() - t
    t = time.perf_counter()
    review.undo(store, action_id=action)
    out["undo_s"] = time.perf_counter() - t

    base = child(db, "baseline")
    gates = child(db, "gates")
    out["gates_n"] = float(gates["n"])  # type: ignore[arg-type]
    out["gates_load_s"] = float(base["seconds"])  # type: ignore[arg-type]
    out["gates_s"] = float(gates["seconds"])  # type: ignore[arg-type]
    out["gates_peak_mib"] = float(gates["peak_mib"])  # type: ignore[arg-type]
    print(f"  gates parts: {json.dumps(gates['parts'])}; flags: {json.dumps(gates['flags'])}", flush=True)
    db.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return out


def main(argv: list[str]) -> None:
    require(REAL_TAXONOMY)
    sizes = [int(a) for a in argv] or [10_000, 100_000, 1_200_000]
    tx = load_taxonomy(REAL_TAXONOMY)
    leaves = [(leaf.path, str(leaf.kind)) for leaf in tx.leaves]
    results = []
    with tempfile.TemporaryDirectory(prefix="labui-bench-review-") as tmp:
        for n in sizes:
            print(f"N = {n:,} samples over {len(leaves)} leaves", flush=True)
            r = measure(n, Path(tmp), leaves)
            results.append(r)
            print(
                f"  build {r['build_s']:.0f}s | page leaf+new {r['page_leaf_new_ms']:.1f} ms "
                f"(bare SELECT {r['page_base_ms']:.2f} ms, x{r['page_leaf_new_ms'] / r['page_base_ms']:.0f}); "
                f"branch+new {r['page_branch_ms']:.1f} ms; branch {r['page_branch_all_ms']:.1f} ms; "
                f"flag {r['page_flag_ms']:.1f} ms; search {r['page_search_ms']:.1f} ms; "
                f"search a common word {r['page_search_common_ms']:.1f} ms "
                f"(FTS index built in {r['fts_index_s']:.1f}s)\n"
                f"  decide {r['decide_ms']:.2f} ms (empty transaction {r['decide_base_ms']:.2f} ms, "
                f"x{r['decide_ms'] / r['decide_base_ms']:.1f}) | bulk reject {int(r['bulk_n']):,} in {r['bulk_s']:.2f}s, "
                f"undo {r['undo_s']:.2f}s\n"
                f"  gates over {int(r['gates_n']):,} samples {r['gates_s']:.1f}s excluding embedding "
                f"(streaming them alone {r['gates_load_s']:.1f}s, x{r['gates_s'] / max(r['gates_load_s'], 1e-9):.0f}); "
                f"peak {r['gates_peak_mib']:.0f} MiB",
                flush=True,
            )
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"growth {int(a['n']):,} -> {int(b['n']):,} samples (x{b['n'] / a['n']:.0f}):")
        for key in (
            "page_leaf_new_ms",
            "page_branch_ms",
            "page_branch_all_ms",
            "page_flag_ms",
            "page_search_ms",
            "page_search_common_ms",
            "decide_ms",
            "bulk_s",
            "gates_s",
            "gates_peak_mib",
        ):
            print(f"  {key}: {a[key]:.2f} -> {b[key]:.2f} (x{b[key] / max(a[key], 1e-9):.1f})")
    print("peak RSS of this process:", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
