"""The quality gates over a run's samples: compute every flag with its evidence and store them.

Duplicates are judged within a run and against earlier runs of the same leaf, twice (on the
question alone and on the whole sample); seeds anywhere in the tree; the user's real records when
given; PII, form and judge scores per sample; diversity per (run, leaf). Flags of the samples in
scope are replaced as a whole, so running the gates again gives the same result.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from labui.coverage.embed import Embedder
from labui.review import copies, dedup, diversity, form, pii
from labui.store import Store
from labui.store.gates import record_gate_run
from labui.store.review import Diversity, Flag, replace_flags, save_diversity
from labui.store.samples import SampleRow, iter_samples
from labui.taxonomy import Taxonomy

GATES = (
    "exact_duplicate",
    "near_duplicate",
    "semantic_duplicate",
    "seed_copy",
    "real_data_copy",
    "pii",
    "refusal",
    "truncated",
    "empty",
    "length_outlier",
    "judge",
)
# The gates that need the encoder or the whole tree (seeds, real data); the rest run on arrival.
ENCODER_GATES = ("semantic_duplicate", "seed_copy", "real_data_copy")

JUDGE_TOP = 3.0  # the best score of the generate stage's judges (labui/generate/pipelines.py)

Progress = Callable[[str, int, int], None]
"""Called with (step, done, total)."""


@dataclass(frozen=True, slots=True)
class GateConfig:
    near_threshold: float = dedup.NEAR_THRESHOLD
    semantic_threshold: float = dedup.SEMANTIC_THRESHOLD
    # Generation judges score 1-3 and drop 1s, so a stored sample carries 2 (acceptable) or 3 (good):
    # a 2 is what a reviewer should look at twice.
    judge_min: float | None = JUDGE_TOP
    phone_region: str = "US"


@dataclass(slots=True)
class GateReport:
    samples: int
    flagged: int
    flags: dict[str, int]
    diversity: dict[str, dict[str, float | str | None]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "flagged": self.flagged,
            "flags": self.flags,
            "diversity": self.diversity,
        }


def whole_text(question: str, answer: str) -> str:
    return f"{question}\n{answer}"


def whole_signatures(group: Sequence[SampleRow]) -> dict[int, dedup.Signature]:
    """MinHash signatures of each sample's whole text, by sample id (what `dup_flags` takes)."""
    texts = [whole_text(s.question, s.answer) for s in group]
    return dict(zip((s.id for s in group), dedup.signatures(texts), strict=True))


def judge_scores(stages: dict[str, object]) -> list[tuple[str, float, str]]:
    """(stage, score, the judge's why) of each judge stage of a sample.

    The generate stage stores each judge's parsed reply under its stage name:
    `{"judge_pair": {"score": 3, "why": "..."}, ...}` (scores 1-3, `parse.parse_reply`)."""
    out = []
    for name, value in sorted(stages.items()):
        if not name.startswith("judge_") or not isinstance(value, dict):
            continue
        score = value.get("score")
        if isinstance(score, int | float) and not isinstance(score, bool):
            out.append((name, float(score), str(value.get("why") or "")))
    return out


def pii_flags(sample: SampleRow, region: str = "US") -> list[Flag]:
    spans: list[tuple[str, int, int, str]] = []
    for name in ("question", "answer", "context"):
        text = getattr(sample, name) or ""
        spans += [(name, s.start, s.end, s.kind) for s in pii.find_pii(text, region)]
    if not spans:
        return []
    kinds = sorted({s[3] for s in spans})
    where = sorted({s[0] for s in spans}, key=("question", "answer", "context").index)
    reason = f"personal data or secret: {', '.join(kinds)} in the {' and '.join(where)}"
    return [Flag(sample.id, "pii", reason, float(len(spans)), None, tuple(spans))]


def judge_flags(sample: SampleRow, judge_min: float | None) -> tuple[list[Flag], float | None]:
    scores = judge_scores(sample.stages)
    if not scores:
        return [], None
    low = [(n, s, why) for n, s, why in scores if judge_min is not None and s < judge_min]
    worst = min(s for _, s, _ in scores)
    if not low:
        return [], worst
    text = ", ".join(f"{n} {s:g}" + (f" ({why[:200]})" if why else "") for n, s, why in low)
    return [Flag(sample.id, "judge", f"low judge score: {text}", min(s for _, s, _ in low), None)], worst


def seed_texts(taxonomy: Taxonomy) -> list[copies.SeedText]:
    out = []
    for leaf in taxonomy.leaves:
        for number, seed in enumerate(leaf.seeds, start=1):
            for qa in seed.pairs:
                out.append(
                    copies.SeedText(leaf.path, number, qa.question, whole_text(qa.question, qa.answer))
                )
    return out


def dup_flags(
    group: Sequence[SampleRow],
    scope: set[int],
    vectors: dict[int, tuple[np.ndarray, np.ndarray]] | None,
    cfg: GateConfig,
    whole_sigs: dict[int, dedup.Signature],
) -> list[Flag]:
    out: list[Flag] = []
    done: set[int] = set()
    for what, texts in (
        ("the whole sample", [(s.id, whole_text(s.question, s.answer)) for s in group]),
        ("the question", [(s.id, s.question) for s in group]),
    ):
        for sid, (other, score) in dedup.exact_matches(texts).items():
            if sid in scope and sid not in done:
                done.add(sid)
                reason = (
                    f"duplicate of #{other} (same text after normalising case, spacing and punctuation)"
                    if what == "the whole sample"
                    else f"duplicate of #{other}: the same question (after normalising), another answer"
                )
                out.append(Flag(sid, "exact_duplicate", reason, score, other))
    for what, texts in (
        ("the whole sample", [(s.id, whole_text(s.question, s.answer)) for s in group]),
        ("the question", [(s.id, s.question) for s in group]),
    ):
        sigs = whole_sigs if what == "the whole sample" else None
        for sid, (other, score) in dedup.near_matches(texts, cfg.near_threshold, sigs).items():
            if sid in scope and sid not in done:
                done.add(sid)
                out.append(
                    Flag(
                        sid,
                        "near_duplicate",
                        f"near duplicate of #{other} (Jaccard {score:.2f} on {what})",
                        score,
                        other,
                    )
                )
    if vectors is not None:
        for what, key in (("the whole sample", 0), ("the question", 1)):
            ids = [s.id for s in group]
            mat = np.stack([vectors[i][key] for i in ids])
            for sid, (other, score) in dedup.semantic_matches(ids, mat, cfg.semantic_threshold).items():
                if sid in scope and sid not in done:
                    done.add(sid)
                    out.append(
                        Flag(
                            sid,
                            "semantic_duplicate",
                            f"semantic duplicate of #{other} (cosine {score:.2f} on {what})",
                            score,
                            other,
                        )
                    )
    return out


def _gates_that_ran(embedder: Embedder | None, seeds: Sequence[object], real: Sequence[str]) -> list[str]:
    skipped = set()
    if embedder is None:
        skipped.add("semantic_duplicate")
    if not seeds:
        skipped.add("seed_copy")
    if not real:
        skipped.add("real_data_copy")
    return [g for g in GATES if g not in skipped]


def _copy_flags(
    s: SampleRow,
    sig: dedup.Signature,
    vec: np.ndarray | None,
    seed_index: copies.SeedIndex | None,
    real_index: copies.RealIndex | None,
) -> list[Flag]:
    """seed_copy and real_data_copy flags of one sample."""
    out = []
    whole = whole_text(s.question, s.answer)
    if seed_index is not None:
        hit = seed_index.match(s.leaf_path, s.question, whole, vec, sig)
        if hit:
            seed, measure, score = hit
            detail = measure if measure.startswith("same") else f"{measure} {score:.2f}"
            ref = f"{seed.leaf_path}#{seed.number}"
            out.append(Flag(s.id, "seed_copy", f"copies {seed.ref(s.leaf_path)} ({detail})", score, ref))
    if real_index is not None:
        record = real_index.verbatim(whole)
        near = real_index.closest(vec) if record is None and vec is not None else None
        if record is not None:
            reason = f"{copies.VERBATIM_WORDS} or more words in a row from real record {record + 1}"
            out.append(Flag(s.id, "real_data_copy", reason, 1.0, f"real:{record + 1}"))
        elif near and near[1] < real_index.threshold:
            rec, dist, pct = near
            reason = (
                f"closest real record {rec + 1} at distance {dist:.3f}, below the {copies.DCR_PERCENTILE:g}th "
                f"percentile of real-to-real distances ({real_index.threshold:.3f}; this is percentile {pct:.1f})"
            )
            out.append(Flag(s.id, "real_data_copy", reason, round(dist, 4), f"real:{rec + 1}"))
    return out


def _load(store: Store, run_ids: Sequence[int]) -> tuple[list[SampleRow], dict[str, list[SampleRow]]]:
    """The samples in scope, and per leaf the samples duplicates are judged among: the scope plus the
    earlier runs of the same leaves (each list in id order)."""
    scope_rows = list(iter_samples(store, run_ids=run_ids))
    by_leaf: dict[str, list[SampleRow]] = defaultdict(list)
    for s in scope_rows:
        by_leaf[s.leaf_path].append(s)
    top = max((s.run_id for s in scope_rows), default=0)
    earlier = tuple(r for r in range(1, top) if r not in set(run_ids)) if run_ids else ()
    if earlier:
        for s in iter_samples(store, run_ids=earlier, leaves=sorted(by_leaf)):
            by_leaf[s.leaf_path].append(s)
        for group in by_leaf.values():
            group.sort(key=lambda s: s.id)
    return scope_rows, by_leaf


def run_gates(
    store: Store,
    taxonomy: Taxonomy | None,
    *,
    run_ids: Sequence[int] = (),
    embedder: Embedder | None = None,
    real_texts: Sequence[str] = (),
    config: GateConfig = GateConfig(),
    progress: Progress | None = None,
) -> GateReport:
    """Compute and store every gate's flags for the samples of `run_ids` (all runs when empty)."""
    seconds: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    scope_rows, by_leaf = _load(store, run_ids)
    scope = {s.id for s in scope_rows}
    seconds["load"] = time.perf_counter() - t

    vectors: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
    seed_list = seed_texts(taxonomy) if taxonomy is not None else []
    seed_vecs = real_vecs = None
    if embedder is not None:
        t = time.perf_counter()
        every = [s for group in by_leaf.values() for s in group]
        mat = embedder.encode([whole_text(s.question, s.answer) for s in every] + [s.question for s in every])
        n = len(every)
        vectors = {s.id: (mat[i], mat[n + i]) for i, s in enumerate(every)}
        seed_vecs = embedder.encode([s.whole for s in seed_list]) if seed_list else None
        real_vecs = embedder.encode(list(real_texts)) if real_texts else None
        seconds["embed"] = time.perf_counter() - t

    flags: list[Flag] = []
    judge: list[tuple[int, float]] = []
    near, cosine = config.near_threshold, config.semantic_threshold
    seed_index = copies.SeedIndex(seed_list, seed_vecs, near, cosine) if seed_list else None
    real_index = copies.RealIndex(real_texts, real_vecs) if real_texts else None
    # Leaf-sized matrix products: one BLAS thread is far faster than waking a pool for each one. The
    # collector is paused: millions of small acyclic objects (shingles) only make its passes slow.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            for i, leaf in enumerate(sorted(by_leaf)):
                t = time.perf_counter()
                group = by_leaf[leaf]
                sigs = whole_signatures(group)
                flags += dup_flags(group, scope, vectors, config, sigs)
                seconds["duplicates"] += time.perf_counter() - t
                t = time.perf_counter()
                mine = [s for s in group if s.id in scope]
                for s in mine:
                    vec = vectors[s.id][0] if vectors is not None else None
                    flags += _copy_flags(s, sigs[s.id], vec, seed_index, real_index)
                    flags += pii_flags(s, config.phone_region)
                    flags += form.form_flags(s)
                    judged, worst = judge_flags(s, config.judge_min)
                    flags += judged
                    if worst is not None:
                        judge.append((s.id, worst))
                flags += form.length_outliers(mine)
                seconds["per_sample"] += time.perf_counter() - t
                if progress:
                    progress("gates per leaf", i + 1, len(by_leaf))
            t = time.perf_counter()
            div = (
                _diversity(store, by_leaf, scope, vectors, seed_list, seed_vecs)
                if vectors is not None
                else {}
            )
            seconds["diversity"] = time.perf_counter() - t
    finally:
        if collecting:
            gc.enable()

    t = time.perf_counter()
    replace_flags(store, sorted(scope), flags, judge)
    ran = _gates_that_ran(embedder, seed_list, real_texts)
    record_gate_run(store, sorted({s.run_id for s in scope_rows}), ran)
    seconds["store"] = time.perf_counter() - t
    counts: dict[str, int] = {}
    flagged: set[int] = set()
    for gate in GATES:
        ids = {f.sample_id for f in flags if f.gate == gate}
        if ids:
            counts[gate] = len(ids)
            flagged |= ids
    return GateReport(len(scope_rows), len(flagged), counts, div, dict(seconds))


def _diversity(
    store: Store,
    by_leaf: dict[str, list[SampleRow]],
    scope: set[int],
    vectors: dict[int, tuple[np.ndarray, np.ndarray]],
    seed_list: Sequence[copies.SeedText],
    seed_vecs: np.ndarray | None,
) -> dict[str, dict[str, float | str | None]]:
    rows: list[Diversity] = []
    out: dict[str, dict[str, float | str | None]] = {}
    for leaf, group in sorted(by_leaf.items()):
        seed_idx = [i for i, s in enumerate(seed_list) if s.leaf_path == leaf]
        sv = seed_vecs[seed_idx] if seed_vecs is not None and len(seed_idx) >= 2 else None
        seed_vpn = diversity.vendi_per_n(sv) if sv is not None else None
        seed_mpd = diversity.mean_distance(sv) if sv is not None else None
        runs: dict[int, list[int]] = defaultdict(list)
        for s in group:
            runs[s.run_id].append(s.id)
        previous: tuple[int, float] | None = None
        for run_id in sorted(runs):
            mat = np.stack([vectors[i][0] for i in runs[run_id]])
            vpn, mpd = diversity.vendi_per_n(mat), diversity.mean_distance(mat)
            warning = diversity.narrower_warning(run_id, mpd, seed_mpd, previous)
            previous = (run_id, mpd)
            if not any(i in scope for i in runs[run_id]):
                continue
            rows.append(Diversity(run_id, leaf, len(mat), vpn, mpd, seed_vpn, seed_mpd, warning))
            out[leaf] = {
                "vendi_per_n": round(vpn, 4),
                "seed_vendi_per_n": None if seed_vpn is None else round(seed_vpn, 4),
                "warning": warning or None,
            }
    save_diversity(store, rows)
    return out
