"""Gates on arrival: the cheap, model-free gates over the samples that arrived since the last pass.

The generation runner calls `gate_arrivals` when a run ends (CLI and the Generate page's job alike).
Exact and near duplicates (against the earlier samples of the same leaf, any run), personal data,
form (empty, truncated, refusal, length outliers against the whole leaf) and judge scores. Only
these gates' flags are written, so semantic, seed and real-data flags of an earlier full pass stay.
A high-water mark in the store makes it incremental: samples are append-only, so everything above
the mark is new, whichever run it belongs to.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from labui.errors import LabuiError
from labui.review import form
from labui.review.gates import (
    ENCODER_GATES,
    GATES,
    GateConfig,
    GateReport,
    dup_flags,
    judge_flags,
    pii_flags,
    whole_signatures,
)
from labui.store import Store
from labui.store.gates import arrival_mark, arrivals, gates_ran, record_gate_run, set_arrival_mark
from labui.store.review import Flag, replace_flags
from labui.store.samples import SampleRow, iter_samples

ARRIVAL_GATES = tuple(g for g in GATES if g not in ENCODER_GATES)

log = logging.getLogger(__name__)


def gate_arrivals(store: Store, config: GateConfig | None = None) -> GateReport:
    """Run the model-free gates over the samples added since the last pass and store their flags."""
    config = config or GateConfig()
    t0 = time.perf_counter()
    after = arrival_mark(store)
    top, leaves = arrivals(store, after)
    flags: list[Flag] = []
    judge: list[tuple[int, float]] = []
    scope: set[int] = set()
    for leaf in sorted(leaves):
        group = [s for s in iter_samples(store, leaves=[leaf]) if s.id <= top]
        new = [s for s in group if s.id > after]
        mine = {s.id for s in new}
        scope |= mine
        flags += dup_flags(group, mine, None, config, whole_signatures(group))
        for s in new:
            flags += _sample_flags(s, config, judge)
        flags += [f for f in form.length_outliers(group) if f.sample_id in mine]
    if scope:
        replace_flags(store, sorted(scope), flags, judge, gates=ARRIVAL_GATES)
        runs = sorted({r for rs in leaves.values() for r in rs})
        for run in runs:
            # What every sample of the run passed: after a full pass, only the gates both ran.
            before = gates_ran(store, run)
            record_gate_run(store, [run], [g for g in ARRIVAL_GATES if not before or g in before])
    set_arrival_mark(store, top)
    counts: dict[str, int] = defaultdict(int)
    flagged: set[int] = set()
    for gate in ARRIVAL_GATES:
        ids = {f.sample_id for f in flags if f.gate == gate}
        if ids:
            counts[gate] = len(ids)
            flagged |= ids
    return GateReport(len(scope), len(flagged), dict(counts), seconds={"total": time.perf_counter() - t0})


def _sample_flags(s: SampleRow, config: GateConfig, judge: list[tuple[int, float]]) -> list[Flag]:
    out = pii_flags(s, config.phone_region) + form.form_flags(s)
    judged, worst = judge_flags(s, config.judge_min)
    if worst is not None:
        judge.append((s.id, worst))
    return out + judged


def gate_arrivals_quietly(store: Store) -> GateReport | None:
    """`gate_arrivals` for the end of a generation run: a failure is logged, never raised (the run's
    samples are stored either way; the gates can be run again on demand)."""
    try:
        return gate_arrivals(store)
    except LabuiError as exc:  # e.g. a full disk: one line, the run's own error says the rest
        log.warning("gates on arrival failed (%s); run `labui gates` to compute the flags", exc)
        return None
    except Exception:  # a bug: keep its traceback
        log.exception("gates on arrival failed; run `labui gates` to compute the flags")
        return None
