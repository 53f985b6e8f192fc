"""Runs end to end against the scripted teacher: delivery under faults, drops and unparsed replies kept,
cancel and resume with nothing lost or doubled, and the refusals before any call."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labui.errors import TeacherError, UsageError
from labui.generate import runner
from labui.generate.pipelines import GenOptions
from labui.generate.runner import execute, plan_resume, plan_run, run_summary
from labui.generate.teacher import TeacherClient, TeacherConfig
from labui.store import samples as db
from labui.store.db import Store
from labui.taxonomy import Taxonomy, load_taxonomy, select_leaves
from tests.generate.conftest import MODEL
from tests.generate.scripted import ScriptedServer

HAIKU = "compositional_skills/writing/poetry/haiku"
RECEIPTS = "compositional_skills/extraction/receipts/total_amount"
SOLAR = "knowledge/science/astronomy/solar_system"


def _config(server: ScriptedServer, **kw: Any) -> TeacherConfig:
    base: dict[str, Any] = {"timeout": 0.5, "backoff_base": 0.01, "concurrency": 8}
    return TeacherConfig(urls=(server.url,), model=MODEL, **{**base, **kw})


def _run(
    store: Store, taxonomy: Taxonomy, server: ScriptedServer, leaves: list[str], **opts: Any
) -> dict[str, Any]:
    config = _config(server, **opts.pop("teacher", {}))
    plan = plan_run(store, taxonomy, leaves, GenOptions(**opts), config)
    return execute(store, plan, TeacherClient(config))


def _sent_fields(server: ScriptedServer) -> set[str]:
    out: set[str] = set()
    for item in server.sent:
        try:
            out |= {str(v) for v in json.loads(item["content"]).values()}
        except ValueError:
            continue
    return out


def test_every_kind_generates_what_the_server_sent(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted()
    summary = _run(store, taxonomy, server, [HAIKU, RECEIPTS, SOLAR], num_samples=4, judge=True)
    assert summary["status"] == "finished" and summary["samples"] == summary["requested"] == 12
    sent = _sent_fields(server)
    rows = list(db.iter_samples(store, run_ids=[summary["run"]]))
    assert {(r.leaf_path, r.slot) for r in rows} == {
        (p, s) for p in (HAIKU, RECEIPTS, SOLAR) for s in range(4)
    }
    for r in rows:
        assert r.question in sent and r.answer in sent
        assert r.seed_ids and r.teacher_model == MODEL and r.prompt_tokens > 0
        assert (r.context is None) == (r.kind == "freeform_skill")
    grounded = next(r for r in rows if r.leaf_path == RECEIPTS)
    assert grounded.context in sent  # the teacher wrote a new context
    knowledge = next(r for r in rows if r.leaf_path == SOLAR)
    solar = load_taxonomy(taxonomy.root).leaf(SOLAR)
    assert solar is not None and knowledge.context and knowledge.context in solar.text  # a chunk
    assert set(next(r for r in rows if r.leaf_path == HAIKU).stages) >= {
        "question",
        "judge_question",
        "answer",
        "judge_pair",
    }


def test_faults_still_deliver_every_sample(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(rates={"429": 0.05, "500": 0.02, "timeout": 0.01}, hang=1.0, seed=7)
    summary = _run(store, taxonomy, server, [SOLAR, HAIKU], num_samples=40)
    assert summary["samples"] == summary["requested"] == 80
    assert summary["retries"] > 0 and summary["failures"] == {}
    assert summary["requests"] == len(server.requests)


def test_unparseable_replies_are_kept_and_counted(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(rates={"unparseable": 1.0})
    summary = _run(store, taxonomy, server, [SOLAR], num_samples=2)
    assert summary["samples"] == 0 and summary["failures"] == {"parse_error": 2}
    kept = db.attempts(store, summary["run"])
    assert len(kept) == 6 and {a.outcome for a in kept} == {"unparsed"}  # 3 tries per slot, all kept
    assert all(a.raw == "{I am not sure what you want from me" for a in kept)


def test_empty_json_and_truncated_replies_have_their_reasons(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(forced=["json_empty", "truncated", "empty"])
    summary = _run(store, taxonomy, server, [SOLAR], num_samples=1, teacher={"concurrency": 1})
    assert summary["samples"] == 0 and summary["failures"] == {"empty_reply": 1}
    assert [a.reason for a in reversed(db.attempts(store, summary["run"]))] == [
        "empty_fields",
        "truncated",
        "empty_reply",
    ]


def test_judges_that_drop_everything_say_so_per_leaf(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(judge_score=1)
    summary = _run(store, taxonomy, server, [SOLAR], num_samples=2, judge=True)
    assert summary["samples"] == 0 and summary["drops"] == {"judge_faithful": 6}
    per_leaf = run_summary(store, summary["run"], per_leaf=True)["per_leaf"]
    assert per_leaf[SOLAR]["drops"] == {"judge_faithful": 6}
    examples = db.attempts(store, summary["run"], leaf=SOLAR)
    assert all(a.reason == "judge_low" and a.detail and a.detail.startswith("scored 1") for a in examples)


def test_cancel_then_resume_fills_exactly_the_missing_slots(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.02)
    config = _config(server, concurrency=4)
    plan = plan_run(store, taxonomy, [SOLAR, HAIKU], GenOptions(num_samples=30), config)
    cancel = threading.Event()

    def progress(live: runner.Live) -> None:
        if live.done >= 10:
            cancel.set()

    summary = execute(store, plan, TeacherClient(config), cancel=cancel, progress=progress)
    assert summary["status"] == "cancelled" and 10 <= summary["samples"] < 60
    assert db.get_run(store, plan.run_id).status == "cancelled"  # type: ignore[union-attr]
    resumed = plan_resume(store, taxonomy, plan.run_id)
    summary = execute(store, resumed, TeacherClient(config))
    assert summary["status"] == "finished" and summary["samples"] == 60
    rows = list(db.iter_samples(store, run_ids=[plan.run_id]))
    assert len({(r.leaf_path, r.slot) for r in rows}) == len(rows) == 60
    answers = [r.answer for r in rows]
    assert len(set(answers)) == 60 and set(answers) <= _sent_fields(server)


def test_resume_refuses_changed_seeds_and_prompts(
    store: Store,
    sample_taxonomy: Path,
    taxonomy: Taxonomy,
    scripted: Callable[..., ScriptedServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = scripted()
    summary = _run(store, taxonomy, server, [HAIKU], num_samples=1)
    monkeypatch.setattr(runner, "prompt_version", lambda: "p1-changed")
    with pytest.raises(UsageError, match="the prompts changed"):
        plan_resume(store, taxonomy, summary["run"])
    monkeypatch.undo()
    leaf = sample_taxonomy / HAIKU / "qna.yaml"
    leaf.write_text(leaf.read_text() + "\n# edited\n")
    with pytest.raises(UsageError, match=f"the seeds of {HAIKU} changed"):
        plan_resume(store, load_taxonomy(sample_taxonomy), summary["run"])


def test_a_run_whose_owner_is_gone_is_interrupted(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    config = _config(scripted())
    plan = plan_run(store, taxonomy, [HAIKU], GenOptions(num_samples=1), config)
    db.claim_run(store, plan.run_id, 2**22 + 12345)  # a pid that is not running
    assert db.get_run(store, plan.run_id).status == "interrupted"  # type: ignore[union-attr]
    db.claim_run(store, plan.run_id, os.getpid())
    assert db.get_run(store, plan.run_id).status == "running"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="still running"):
        plan_resume(store, taxonomy, plan.run_id)


def test_too_long_for_the_context_is_refused_before_any_call(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted()
    with pytest.raises(UsageError, match="does not fit the teacher's context of 1024 tokens"):
        _run(
            store, taxonomy, server, [SOLAR], num_samples=1, max_tokens=900, teacher={"context_tokens": 1024}
        )
    assert server.requests == [] and db.list_runs(store) == []


def test_leaf_selection_by_branch_and_unknown_leaf(taxonomy: Taxonomy) -> None:
    picked = select_leaves(taxonomy, ["knowledge", SOLAR])
    assert picked and all(p.startswith("knowledge/") for p in picked) and picked.count(SOLAR) == 1
    with pytest.raises(UsageError, match="no branch or leaf 'knowledge/nope'"):
        select_leaves(taxonomy, ["knowledge/nope"])


def test_knowledge_documents_from_a_local_copy(
    store: Store, taxonomy: Taxonomy, tmp_path: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "solar_system.md").write_text("# The Sun\n\nA unique marker sentence about heliopause physics.\n")
    server = scripted()
    leaf = taxonomy.leaf(SOLAR)
    assert leaf is not None and leaf.document is not None
    patterns = leaf.document.get("patterns") or ["*.md"]
    (docs / "solar_system.md").rename(docs / patterns[0].replace("*", "solar"))
    summary = _run(store, taxonomy, server, [SOLAR], num_samples=12, documents=str(docs))
    contexts = {r.context for r in db.iter_samples(store, run_ids=[summary["run"]])}
    assert any(c and "heliopause" in c for c in contexts)
    with pytest.raises(UsageError, match="no document file"):
        _run(store, taxonomy, server, [SOLAR], num_samples=1, documents=str(tmp_path / "empty"))


def test_a_teacher_that_goes_away_fails_the_run_and_keeps_what_was_done(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.01)
    config = _config(server, concurrency=2, max_retries=1)
    plan = plan_run(store, taxonomy, [SOLAR], GenOptions(num_samples=200), config)

    def progress(live: runner.Live) -> None:
        if live.done == 5:
            server.stop()

    with pytest.raises(TeacherError, match="stopped answering"):
        execute(store, plan, TeacherClient(config), progress=progress)
    summary = run_summary(store, plan.run_id)
    assert summary["status"] == "failed" and 5 <= summary["samples"] < 200
    assert summary["failures"].get("connection", 0) >= 2


def test_token_budget_stops_taking_slots(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    summary = _run(
        store, taxonomy, scripted(), [SOLAR], num_samples=50, token_budget=1, teacher={"concurrency": 1}
    )
    assert summary["status"] == "cancelled" and summary["samples"] == 1


def test_heartbeat_keeps_seconds(
    store: Store, taxonomy: Taxonomy, scripted: Callable[..., ScriptedServer]
) -> None:
    t0 = time.monotonic()
    summary = _run(
        store, taxonomy, scripted(latency=0.05), [SOLAR], num_samples=4, teacher={"concurrency": 1}
    )
    assert 0.2 <= summary["seconds"] <= time.monotonic() - t0


def test_a_leaf_that_does_not_validate_is_refused(
    store: Store, sample_taxonomy: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    leaf = sample_taxonomy / HAIKU / "qna.yaml"
    leaf.write_text("version: 3\ncreated_by: x\nseed_examples: not-a-list\n")
    server = scripted()
    with pytest.raises(UsageError, match=f"{HAIKU}: the leaf does not validate"):
        _run(store, load_taxonomy(sample_taxonomy), server, [HAIKU], num_samples=1)
    assert server.requests == []
