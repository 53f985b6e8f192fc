"""Gates on arrival: a real generation run against the scripted teacher ends with its samples flagged
(judge scores as the generate stage stores them, duplicates against earlier runs of the leaf, PII),
incrementally, without touching flags of other gates, and a failing gate pass never fails the run."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labui.generate.pipelines import GenOptions
from labui.generate.runner import execute, plan_run
from labui.generate.teacher import TeacherClient, TeacherConfig
from labui.review import arrival
from labui.review.arrival import ARRIVAL_GATES, gate_arrivals
from labui.store import Store
from labui.store.gates import gates_ran
from labui.store.review import Flag, flags_for, replace_flags
from labui.store.samples import iter_samples
from labui.taxonomy import Taxonomy, load_taxonomy
from tests.generate.conftest import MODEL, scripted  # noqa: F401  (the scripted-server fixture)
from tests.generate.scripted import ScriptedServer

HAIKU = "compositional_skills/writing/poetry/haiku"


@pytest.fixture
def taxonomy(sample_taxonomy: Path) -> Taxonomy:
    return load_taxonomy(sample_taxonomy)


def _answers() -> Callable[[str, int], str]:
    """The same question every time; the 1st, 4th, 7th... answer carries an e-mail address. Counted
    over answers only: the server's request number `n` also counts judge calls, and how those
    interleave with answers under concurrency varies, so every e-mail could miss a stored sample."""
    answers = itertools.count()

    def answer(field: str, n: int) -> str:
        if field == "question":
            return "Write a haiku about the first snow of the year."
        k = next(answers)
        if k % 3 == 0:
            return f"Write to ann.lee{k}@example.com for the haiku number {k}."
        return f"Quiet flakes descend, number {k} settles softly, the garden is hushed."

    return answer


def _run(store: Store, taxonomy: Taxonomy, server: ScriptedServer, **opts: Any) -> int:
    # A generous timeout: on a busy CI machine a 2 s request timeout turned into retries and flakes.
    config = TeacherConfig(urls=(server.url,), model=MODEL, timeout=30.0, backoff_base=0.01, concurrency=2)
    plan = plan_run(store, taxonomy, [HAIKU], GenOptions(**opts), config)
    summary = execute(store, plan, TeacherClient(config))
    assert summary["status"] == "finished"
    return int(summary["run"])


def _by_gate(store: Store, ids: list[int]) -> dict[int, dict[str, Flag]]:
    return {i: {f.gate: f for f in fl} for i, fl in flags_for(store, ids).items()}


def test_a_run_ends_with_its_samples_gated(
    store: Store,
    taxonomy: Taxonomy,
    scripted: Callable[..., ScriptedServer],  # noqa: F811
) -> None:
    first = _run(store, taxonomy, scripted(judge_score=2, answer=_answers()), num_samples=4, judge=True)
    rows = list(iter_samples(store, run_ids=[first]))
    assert len(rows) == 4
    # The judge scores the generate stage really stores: {"judge_pair": {"score": 2, "why": ...}}.
    assert rows[0].stages["judge_pair"] == {"score": 2, "why": "scripted"}
    flags = _by_gate(store, [r.id for r in rows])
    for r in rows:
        assert flags[r.id]["judge"].reason == (
            "low judge score: judge_pair 2 (scripted), judge_question 2 (scripted)"
        )
    keep = rows[0].id
    for r in rows[1:]:
        assert flags[r.id]["exact_duplicate"].other == keep
    assert "exact_duplicate" not in flags[keep]
    with_mail = [r.id for r in rows if "@example.com" in r.answer]
    assert with_mail and all("email" in flags[i]["pii"].reason for i in with_mail)
    assert not any("pii" in flags[r.id] for r in rows if r.id not in with_mail)
    assert set(gates_ran(store, first)) == set(ARRIVAL_GATES)

    # A second run of the same leaf, judged 3: no judge flag, and its questions duplicate run 1's.
    second = _run(store, taxonomy, scripted(judge_score=3, answer=_answers()), num_samples=2, judge=True)
    later = [r.id for r in iter_samples(store, run_ids=[second])]
    flags = _by_gate(store, later)
    for i in later:
        assert "judge" not in flags[i]
        assert flags[i]["exact_duplicate"].other in {r.id for r in rows}
    # Run 1's flags were not recomputed against run 2 (incremental), nor lost.
    assert _by_gate(store, [r.id for r in rows])[keep]["judge"].score == 2.0


def test_arrival_is_incremental_and_keeps_other_gates_flags(
    store: Store,
    taxonomy: Taxonomy,
    scripted: Callable[..., ScriptedServer],  # noqa: F811
) -> None:
    run = _run(store, taxonomy, scripted(judge_score=2, answer=_answers()), num_samples=3, judge=True)
    ids = [r.id for r in iter_samples(store, run_ids=[run])]
    semantic = Flag(ids[0], "semantic_duplicate", "semantic duplicate of #1 (cosine 0.97)", 0.97, 1)
    replace_flags(store, [ids[0]], [semantic], gates=("semantic_duplicate",))
    assert gate_arrivals(store).samples == 0  # nothing new since the run's own pass
    gates = {f.gate for f in flags_for(store, [ids[0]])[ids[0]]}
    assert {"semantic_duplicate", "judge"} <= gates


def test_a_failing_gate_pass_never_fails_the_run(
    store: Store,
    taxonomy: Taxonomy,
    scripted: Callable[..., ScriptedServer],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(store: Store) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(arrival, "gate_arrivals", broken)
    run = _run(store, taxonomy, scripted(judge_score=2), num_samples=2, judge=True)
    assert len(list(iter_samples(store, run_ids=[run]))) == 2
    assert "gates on arrival failed" in caplog.text
    assert not flags_for(store, [r.id for r in iter_samples(store, run_ids=[run])])
