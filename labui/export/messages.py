"""One exported row from one reviewed sample: instructlab-sdg's messages shape plus provenance.

Pure functions over (sample, decision, flags): no I/O, so the JSONL writer, the parquet writer and
the tests all see the same row. The row's id is derived from (run, leaf, slot), never random, so the
same decisions give the same bytes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from labui.fsio import sha256_text
from labui.store.samples import SampleRow

DEFAULT_SYSTEM_PROMPT = "You are a helpful, accurate assistant."
EXPORTED_BY_DEFAULT = ("accepted", "edited")
_ID_NAMESPACE = uuid.UUID("3b0f3f0e-8a0c-4d7e-9a51-6c1b5e0a7d21")


class DecisionLike(Protocol):
    """What export reads of a review decision (labui.store.review.Decision)."""

    @property
    def status(self) -> str: ...
    @property
    def reviewer(self) -> str | None: ...
    @property
    def at(self) -> float: ...
    @property
    def question(self) -> str | None: ...
    @property
    def answer(self) -> str | None: ...
    @property
    def context(self) -> str | None: ...


class FlagLike(Protocol):
    """What export reads of a quality flag (labui.store.review.Flag)."""

    @property
    def gate(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A sample with its latest decision (None: never reviewed, status new) and its gate flags."""

    sample: SampleRow
    decision: DecisionLike | None
    flags: Sequence[FlagLike] = ()

    @property
    def status(self) -> str:
        return self.decision.status if self.decision is not None else "new"


# The JSON schema every line of train.jsonl satisfies (tests check the file against it).
MESSAGES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "messages", "metadata", "unmask"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "messages": {
            "type": "array",
            "minItems": 3,
            "maxItems": 3,
            "prefixItems": [
                {"$ref": "#/$defs/message", "properties": {"role": {"const": "system"}}},
                {"$ref": "#/$defs/message", "properties": {"role": {"const": "user"}}},
                {"$ref": "#/$defs/message", "properties": {"role": {"const": "assistant"}}},
            ],
            "items": {"$ref": "#/$defs/message"},
        },
        "metadata": {"type": "string", "contentMediaType": "application/json"},
        "unmask": {"type": "boolean"},
    },
    "$defs": {
        "message": {
            "type": "object",
            "required": ["role", "content"],
            "additionalProperties": False,
            "properties": {
                "role": {"enum": ["system", "user", "assistant"]},
                "content": {"type": "string"},
            },
        }
    },
}


def row_id(sample: SampleRow) -> str:
    """A stable UUID for a sample: the same (run, leaf, slot) always exports under the same id."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{sample.run_id}\x00{sample.leaf_path}\x00{sample.slot}"))


def texts(item: Reviewed) -> tuple[str, str, str | None]:
    """(question, answer, context) as exported: an edited sample's edited fields win."""
    s, d = item.sample, item.decision
    if d is not None and d.status == "edited":
        return (
            d.question if d.question is not None else s.question,
            d.answer if d.answer is not None else s.answer,
            d.context if d.context is not None else s.context,
        )
    return s.question, s.answer, s.context


def original_sha256(sample: SampleRow) -> str:
    """sha256 of the sample as the teacher wrote it, so an edited export can be traced to it."""
    original = {"question": sample.question, "answer": sample.answer, "context": sample.context}
    return sha256_text(json.dumps(original, sort_keys=True, ensure_ascii=False))


def user_turn(kind: str, question: str, context: str | None) -> str:
    """The user message: sdg puts a grounded skill's or a knowledge sample's context before the question."""
    if context and kind in ("grounded_skill", "knowledge"):
        return f"{context}\n\n{question}"
    return question


def metadata(item: Reviewed, *, gates_run: Collection[str] = (), domain: str | None = None) -> dict[str, Any]:
    """Provenance of one row; the fields and their order are fixed (parquet's metadata struct)."""
    s, d = item.sample, item.decision
    flagged = sorted({f.gate for f in item.flags})
    edited = d is not None and d.status == "edited"
    knowledge = s.kind == "knowledge"
    return {
        "leaf_path": s.leaf_path,
        "kind": s.kind,
        "run_id": s.run_id,
        "sample_id": s.id,
        "slot": s.slot,
        "teacher_model": s.teacher_model,
        "prompt_version": s.prompt_version,
        "seed_ids": list(s.seed_ids),
        "gates_passed": sorted(set(gates_run) - set(flagged)),
        # Flagged yet accepted: a reviewer overrode these gates.
        "gates_overridden": flagged if item.status in EXPORTED_BY_DEFAULT else [],
        "gates_flagged": flagged,
        "review_status": item.status,
        "reviewer": d.reviewer if d is not None else None,
        "decided_at": d.at if d is not None else None,
        "edited": edited,
        "original_sha256": original_sha256(s) if edited else None,
        # sdg's knowledge rows carry the document chunk and the domain under these names.
        "dataset": "document_knowledge_qa" if knowledge else s.kind,
        "domain": domain if knowledge else None,
        "sdg_document": texts(item)[2] if knowledge else None,
    }


def to_row(
    item: Reviewed,
    *,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    gates_run: Collection[str] = (),
    domain: str | None = None,
) -> dict[str, Any]:
    """The row with `metadata` as a dict (parquet keeps it as a struct; JSONL as a JSON string)."""
    question, answer, context = texts(item)
    kind = item.sample.kind
    return {
        "id": row_id(item.sample),
        "messages": [
            {"role": "system", "content": system_prompt},
            {"role": "user", "content": user_turn(kind, question, context)},
            {"role": "assistant", "content": answer},
        ],
        "metadata": metadata(item, gates_run=gates_run, domain=domain),
        # sdg trains knowledge with the user turn unmasked (the model learns the document too).
        "unmask": kind == "knowledge",
    }


def jsonl_line(row: dict[str, Any]) -> str:
    """One line of train.jsonl: metadata as a JSON string, as sdg writes it."""
    out = dict(row)
    out["metadata"] = json.dumps(row["metadata"], ensure_ascii=False, sort_keys=True)
    return json.dumps(out, ensure_ascii=False) + "\n"
