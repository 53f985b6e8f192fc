"""Gate quality on planted data: recall of each planted kind and false flags on clean samples.

Clean samples are real human-written tasks (self-instruct's 175 seed tasks: instruction + input as
the question, the output as the answer), spread over four leaves of the real InstructLab taxonomy.
Into them we plant, at known rates and positions, what the gates must catch:

  exact_duplicate     an earlier sample of the same leaf with case, spacing and punctuation changed
  near_duplicate      an earlier sample of the same leaf with a few words added (Jaccard >= 0.85)
  seed_copy           a seed example of the tree (this leaf's or another's), verbatim or with a word added
  pii                 a clean sample with an e-mail, phone, card (Luhn), IBAN, IP or key put in its answer
  refusal / truncated / empty   a boilerplate refusal, a cut-off reply, an empty answer

The samples are written through the samples store contract, as generation writes them (the scripted
teacher of the generation stage answers per request, without knowing the leaf, so it cannot plant
within-leaf duplicates at a known rate). All gates run with the real offline encoder (semantic
duplicates, seed cosine, diversity). Prints recall per kind (goal >= 0.95) and the share of clean
samples with any flag (goal <= 2%), with which gates flagged them and why.

    .venv/bin/python bench/bench_gates_quality.py [--seed N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import REAL_TAXONOMY, ROOT, SEED_TASKS, require

sys.path.insert(0, str(ROOT))

from labui.coverage.embed import CachedEmbedder, SentenceTransformerEmbedder
from labui.review.gates import run_gates
from labui.store.db import Store
from labui.store.review import flags_for
from labui.store.samples import SampleRow, insert_sample
from labui.taxonomy import LeafKind, load_taxonomy

LEAVES = 4
PER_LEAF = 50
RATES = {"exact_duplicate": 0.06, "near_duplicate": 0.08, "seed_copy": 0.08, "pii": 0.08, "form": 0.04}
# Source tasks that already hold what a gate looks for (read by hand): a flag on them is a true one.
KNOWN = {
    "seed_task_74": "pii",  # a phone number and an e-mail address in a cover letter
    "seed_task_166": "pii",  # a sender's e-mail address
    "seed_task_115": "refusal",  # "... I cannot answer this." (asked for a person's address)
}
EXPECTED = {
    "exact_duplicate": {"exact_duplicate"},
    "near_duplicate": {"near_duplicate", "exact_duplicate"},  # any duplicate gate catches it
    "seed_copy": {"seed_copy"},
    "pii": {"pii"},
    "refusal": {"refusal"},
    "truncated": {"truncated"},
    "empty": {"empty"},
}
PII = [
    "You can write to maria.lopez@example.org for details.",
    "Call the office on +1 415-555-2671 before noon.",
    "Pay with card 4111 1111 1111 1111 at the desk.",
    "Transfer it to IBAN GB82 WEST 1234 5698 7654 32 this week.",
    "The server lives at 203.0.113.77 on the internal network.",
    "Use the key AKIAIOSFODNN7EXAMPLE to sign in.",
]


def _exact_variant(text: str) -> str:
    return "  ".join(text.upper().replace(",", " ,").split(" ")) + "!"


def plant(seed: int) -> tuple[list[tuple[str, str, str, str | None, str]], dict[str, str]]:
    """(leaf, question, answer, finish_reason, planted kind or "clean") in generation order, and the
    source task id of each clean question."""
    rng = random.Random(seed)
    tasks = [json.loads(line) for line in SEED_TASKS.read_text().splitlines() if line.strip()]
    rng.shuffle(tasks)
    clean = []
    source_of: dict[str, str] = {}
    for t in tasks:
        inst = t["instances"][0]
        q = t["instruction"] + (f"\n{inst['input']}" if inst.get("input") else "")
        clean.append((q, inst["output"]))
        source_of[q] = t["id"]
    tx = load_taxonomy(REAL_TAXONOMY)
    leaves = [leaf for leaf in tx.leaves if leaf.kind == LeafKind.FREEFORM_SKILL and len(leaf.seeds) >= 3]
    rng.shuffle(leaves)
    chosen = leaves[:LEAVES]
    seeds = [(qa.question, qa.answer) for leaf in tx.leaves for s in leaf.seeds for qa in s.pairs]
    out: list[tuple[str, str, str, str | None, str]] = []
    pool = iter(clean)
    for leaf in chosen:
        mine: list[tuple[str, str]] = []
        own = [(qa.question, qa.answer) for s in leaf.seeds for qa in s.pairs]
        for _ in range(PER_LEAF):
            r = rng.random()
            kind = "clean"
            acc = 0.0
            for name, rate in RATES.items():
                acc += rate
                if r < acc:
                    kind = name
                    break
            if kind in ("exact_duplicate", "near_duplicate") and not mine:
                kind = "clean"
            if kind == "exact_duplicate":
                q, a = rng.choice(mine)
                out.append((leaf.path, _exact_variant(q), _exact_variant(a), "stop", kind))
            elif kind == "near_duplicate":
                q, a = rng.choice(mine)
                out.append(
                    (
                        leaf.path,
                        q,
                        a + " " + rng.choice(["Hope this helps.", "That is it.", "Done."]),
                        "stop",
                        kind,
                    )
                )
            elif kind == "seed_copy":
                q, a = rng.choice(own) if rng.random() < 0.5 else rng.choice(seeds)
                a = a if rng.random() < 0.5 else a + " Indeed."
                out.append((leaf.path, q, a, "stop", kind))
            elif kind == "pii":
                q, a = next(pool)
                mine.append((q, a))
                out.append((leaf.path, q, a + " " + rng.choice(PII), "stop", kind))
            elif kind == "form":
                q, a = next(pool)
                sub = rng.choice(["refusal", "truncated", "empty"])
                if sub == "refusal":
                    a = "As an AI language model, I cannot help with that request."
                elif sub == "truncated":
                    a = " ".join(a.split()[: max(3, len(a.split()) // 2)])
                else:
                    a = ""
                out.append((leaf.path, q, a, "length" if sub == "truncated" else "stop", sub))
            else:
                q, a = next(pool)
                mine.append((q, a))
                out.append((leaf.path, q, a, "stop", "clean"))
    return out, source_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    require(REAL_TAXONOMY)
    require(SEED_TASKS)
    items, source_of = plant(args.seed)
    with tempfile.TemporaryDirectory(prefix="labui-bench-gates-") as tmp:
        store = Store(Path(tmp) / "ws.sqlite")
        with store.connect() as db:
            run = db.execute(
                "INSERT INTO runs (created_at, status, config, teacher_model, teacher_url, prompt_version) "
                "VALUES (1.0, 'finished', '{}', 'scripted', 'http://127.0.0.1:1/v1', 'v1')"
            ).lastrowid
            kinds: dict[int, str] = {}
            sources: dict[int, str] = {}
            for slot, (leaf, q, a, finish, kind) in enumerate(items):
                sid = insert_sample(
                    db,
                    SampleRow(
                        0,
                        int(run or 0),
                        leaf,
                        "freeform_skill",
                        slot,
                        q,
                        a,
                        None,
                        (1,),
                        "scripted",
                        "http://127.0.0.1:1/v1",
                        "v1",
                        {},
                        None,
                        finish,
                        10,
                        10,
                        1.0,
                    ),
                )
                kinds[sid] = kind
                sources[sid] = source_of.get(q, "")
        taxonomy = load_taxonomy(REAL_TAXONOMY)
        # The embedding cache outlives the run (the encoder's time is bench_embed's subject, not this one's).
        cache = Store(Path(tempfile.gettempdir()) / "labui-bench-gates-embeddings.sqlite")
        embedder = CachedEmbedder(SentenceTransformerEmbedder(device="cpu"), cache)
        t = time.perf_counter()
        report = run_gates(store, taxonomy, run_ids=[int(run or 0)], embedder=embedder)
        took = time.perf_counter() - t
        flags = flags_for(store, list(kinds))
    planted = Counter(kinds.values())
    print(
        f"{len(kinds)} samples over {LEAVES} leaves of the real taxonomy; gates {took:.1f}s "
        f"(embedding {report.seconds.get('embed', 0):.1f}s of it)"
    )
    ok = True
    for kind in sorted(planted):
        if kind == "clean":
            continue
        ids = [i for i, k in kinds.items() if k == kind]
        hit = [i for i in ids if EXPECTED[kind] & {f.gate for f in flags.get(i, [])}]
        recall = len(hit) / len(ids)
        ok &= recall >= 0.95
        print(
            f"  {kind:16s} planted {len(ids):3d}  caught {len(hit):3d}  recall {recall:.3f}  (goal >= 0.95)"
        )
        for i in sorted(set(ids) - set(hit))[:3]:
            print(f"      missed #{i}: {[f.reason for f in flags.get(i, [])]}")
    known = [i for i, k in kinds.items() if k == "clean" and sources[i] in KNOWN]
    for i in known:
        gate = KNOWN[sources[i]]
        caught = any(f.gate == gate for f in flags.get(i, []))
        print(f"  {gate} already in source task {sources[i]}: {'flagged' if caught else 'MISSED'}")
    clean = [i for i, k in kinds.items() if k == "clean" and i not in known]
    false = [i for i in clean if i in flags]
    rate = len(false) / len(clean)
    ok &= rate <= 0.02
    print(f"  clean            {len(clean):3d}  with any flag {len(false)}  rate {rate:.3f}  (goal <= 0.02)")
    by_gate = Counter(f.gate for i in false for f in flags[i])
    for gate, n in by_gate.most_common():
        example = next(f.reason for i in false for f in flags[i] if f.gate == gate)
        print(f"      {gate}: {n}  e.g. {example}")
    for leaf, div in report.diversity.items():
        print(f"  diversity {leaf}: {div}")
    print("goals met" if ok else "goals NOT met")


if __name__ == "__main__":
    main()
