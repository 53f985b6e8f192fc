"""Helpers for review tests: runs and samples written through the samples store contract."""

from __future__ import annotations

import json
import time
from typing import Any

from labui.store import Store
from labui.store.samples import SampleRow, insert_sample

LEAF = "compositional_skills/extraction/tables/csv_to_summary"
OTHER_LEAF = "knowledge/science/astronomy/solar_system"


def add_run(store: Store, model: str = "teacher-7b") -> int:
    with store.connect() as db:
        cur = db.execute(
            "INSERT INTO runs (created_at, status, config, teacher_model, teacher_url, prompt_version) "
            "VALUES (?, 'finished', ?, ?, 'http://127.0.0.1:9/v1', 'v1')",
            (time.time(), json.dumps({"num_samples": 1}), model),
        )
        return int(cur.lastrowid or 0)


def add_samples(store: Store, run_id: int, items: list[dict[str, Any]], leaf: str = LEAF) -> list[int]:
    """One sample per dict (question, answer and optional fields); returns their ids in order."""
    ids = []
    with store.connect() as db:
        start = db.execute(
            "SELECT coalesce(max(slot), -1) + 1 FROM samples WHERE run_id = ? AND leaf_path = ?",
            (run_id, leaf),
        ).fetchone()[0]
        for k, item in enumerate(items):
            row = SampleRow(
                id=0,
                run_id=run_id,
                leaf_path=item.get("leaf", leaf),
                kind=item.get("kind", "freeform_skill"),
                slot=start + k,
                question=item["question"],
                answer=item["answer"],
                context=item.get("context"),
                seed_ids=(1,),
                teacher_model="teacher-7b",
                teacher_url="http://127.0.0.1:9/v1",
                prompt_version="v1",
                stages=item.get("stages", {}),
                raw=None,
                finish_reason=item.get("finish_reason", "stop"),
                prompt_tokens=10,
                completion_tokens=20,
                created_at=time.time(),
            )
            ids.append(insert_sample(db, row))
    return ids


def clean(n: int, leaf: str = LEAF) -> list[dict[str, Any]]:
    """n distinct, ordinary samples."""
    topics = [
        "rainfall in the spring",
        "sales of ebooks",
        "the number of visitors",
        "hours worked by the team",
        "the price of apples",
        "library loans per branch",
        "energy used per floor",
        "bus delays by route",
        "goals scored per match",
        "orders shipped late",
        "calls answered per shift",
        "tickets closed per week",
    ]
    out = []
    for i in range(n):
        t = topics[i % len(topics)]
        out.append(
            {
                "question": f"Summarise table {i} about {t} in two sentences.",
                "answer": f"Table {i} shows {t}; the highest value is {i * 7 % 97} and the lowest is {i % 13}, "
                f"with a steady change of about {i % 5 + 1} units across the {i % 4 + 3} rows listed.",
                "leaf": leaf,
            }
        )
    return out
