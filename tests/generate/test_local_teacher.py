"""The real local teacher (llama.cpp + SmolLM2-135M-Instruct) generates from the bundled taxonomy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labui.generate.local import LocalTeacher, find_gguf, server_available, start_local_teacher
from labui.generate.pipelines import GenOptions
from labui.generate.runner import execute, plan_run
from labui.generate.teacher import TeacherClient, TeacherConfig
from labui.store import samples as db
from labui.store.db import Store
from labui.taxonomy import Taxonomy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_teacher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTeacher]:
    if not server_available():
        pytest.skip("llama-cpp-python[server] is not installed: run `make install`")
    find_gguf()
    teacher = start_local_teacher(threads=2, log=tmp_path_factory.mktemp("llama") / "server.log")
    yield teacher
    teacher.stop()


def test_the_local_teacher_generates_real_samples(
    local_teacher: LocalTeacher, store: Store, taxonomy: Taxonomy
) -> None:
    config = TeacherConfig(
        urls=(local_teacher.url,),
        model=local_teacher.model,
        context_tokens=local_teacher.context_tokens,
        concurrency=1,
        timeout=300,
    )
    leaves = ["compositional_skills/writing/poetry/haiku", "knowledge/science/astronomy/solar_system"]
    plan = plan_run(store, taxonomy, leaves, GenOptions(num_samples=1, max_tokens=160, max_tries=2), config)
    client = TeacherClient(config)
    summary = execute(store, plan, client)
    assert summary["status"] == "finished" and summary["requested"] == 2
    assert summary["tokens"]["completion"] > 0, (
        summary,
        [(a.reason, a.detail) for a in db.attempts(store, plan.run_id)],
    )
    assert client.mode == "json_object"  # llama-cpp-python refuses json_schema; auto stepped down
    rows = list(db.iter_samples(store, run_ids=[plan.run_id]))
    lost = db.attempts(store, plan.run_id)
    # A 135M model may still fail a slot; what it does not deliver is kept with its reason, never lost.
    assert len(rows) + sum(summary["failures"].values()) + sum(summary["drops"].values()) >= 2
    assert rows, [a.raw for a in lost]
    for row in rows:
        assert row.question.strip() and row.answer.strip() and row.teacher_model == local_teacher.model


def test_find_gguf_is_the_smollm2_file() -> None:
    if not server_available():
        pytest.skip("llama-cpp-python[server] is not installed: run `make install`")
    path: Path = find_gguf()
    assert path.suffix == ".gguf" and "SmolLM2" in path.name and path.stat().st_size > 10_000_000
