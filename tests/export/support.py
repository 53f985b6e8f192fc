"""Helpers of the export tests: a workspace with one run of samples over three leaves of every kind."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from labui.store.db import Store
from labui.store.samples import SampleRow, insert_sample

HAIKU = "compositional_skills/writing/poetry/haiku"
CSV = "compositional_skills/extraction/tables/csv_to_summary"
SOLAR = "knowledge/science/astronomy/solar_system"
KINDS = {HAIKU: "freeform_skill", CSV: "grounded_skill", SOLAR: "knowledge"}


def add_run(store: Store, *, teacher: str = "granite-teacher", prompt_version: str = "p1") -> int:
    """A finished run row (tests stand in for the generate stage here)."""
    with store.connect() as db:
        cur = db.execute(
            "INSERT INTO runs (created_at, status, config, teacher_model, teacher_url, prompt_version) "
            "VALUES (?, 'finished', '{}', ?, 'http://127.0.0.1:1/v1', ?)",
            (time.time(), teacher, prompt_version),
        )
        return int(cur.lastrowid or 0)


def add_sample(
    store: Store,
    run_id: int,
    leaf: str,
    slot: int,
    *,
    teacher: str = "granite-teacher",
    prompt_version: str = "p1",
) -> int:
    with store.connect() as db:
        return insert_sample(
            db, sample_row(run_id, leaf, slot, teacher=teacher, prompt_version=prompt_version)
        )


def sample_row(
    run_id: int, leaf: str, slot: int, *, teacher: str = "granite-teacher", prompt_version: str = "p1"
) -> SampleRow:
    """The sample `add_sample` stores (for tests that write many in one transaction)."""
    kind = KINDS[leaf]
    context = (
        None if kind == "freeform_skill" else f"Context {slot} for {leaf}: the text the answer rests on."
    )
    return SampleRow(
        id=0,
        run_id=run_id,
        leaf_path=leaf,
        kind=kind,
        slot=slot,
        question=f"Question {slot} about {leaf.rsplit('/', 1)[-1]} number {slot * 7}?",
        answer=f"Answer {slot}: the reply the teacher wrote.",
        context=context,
        seed_ids=(1, 2, 3),
        teacher_model=teacher,
        teacher_url="http://127.0.0.1:1/v1",
        prompt_version=prompt_version,
        stages={"judge": 4},
        raw=None,
        finish_reason="stop",
        prompt_tokens=10,
        completion_tokens=20,
        created_at=1.0,
    )


@dataclass
class Workspace:
    store: Store
    run_id: int
    ids: dict[str, list[int]] = field(default_factory=dict)  # leaf -> sample ids in slot order


def build(store: Store, per_leaf: int = 6) -> Workspace:
    run = add_run(store)
    ws = Workspace(store, run)
    for leaf in KINDS:
        ws.ids[leaf] = [add_sample(store, run, leaf, slot) for slot in range(per_leaf)]
    return ws


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
