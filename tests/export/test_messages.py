"""The row of one sample: sdg's messages shape per kind, edited text, provenance, the parquet struct."""

from __future__ import annotations

import json

import jsonschema
import pytest

from labui.export.messages import MESSAGES_SCHEMA, Reviewed, jsonl_line, metadata, row_id, to_row
from labui.export.parquet import METADATA_TYPE
from labui.store.review import Decision, Flag
from labui.store.samples import SampleRow


def sample(kind: str, context: str | None = None, **over: object) -> SampleRow:
    values: dict[str, object] = dict(
        id=7, run_id=2, leaf_path="compositional_skills/x/y", kind=kind, slot=3, question="Q?", answer="A.",
        context=context, seed_ids=(1, 4), teacher_model="t", teacher_url="u", prompt_version="p9",
        stages={}, raw=None, finish_reason="stop", prompt_tokens=1, completion_tokens=1, created_at=1.0,
    )  # fmt: skip
    values.update(over)
    return SampleRow(**values)  # type: ignore[arg-type]


def test_freeform_skill_user_turn_is_the_question() -> None:
    row = to_row(Reviewed(sample("freeform_skill"), None), system_prompt="SYS")
    assert row["messages"] == [
        {"role": "system", "content": "SYS"},
        {"role": "user", "content": "Q?"},
        {"role": "assistant", "content": "A."},
    ]
    assert row["unmask"] is False


@pytest.mark.parametrize("kind", ["grounded_skill", "knowledge"])
def test_context_comes_before_the_question(kind: str) -> None:
    row = to_row(Reviewed(sample(kind, "The context."), None), domain="Astronomy")
    assert row["messages"][1]["content"] == "The context.\n\nQ?"
    assert row["unmask"] is (kind == "knowledge")
    meta = row["metadata"]
    if kind == "knowledge":  # sdg's knowledge rows name the document chunk and the domain
        assert (meta["dataset"], meta["sdg_document"], meta["domain"]) == (
            "document_knowledge_qa",
            "The context.",
            "Astronomy",
        )
    else:
        assert meta["domain"] is None and meta["sdg_document"] is None


def test_an_edited_sample_exports_its_edited_text_and_the_original_hash() -> None:
    s = sample("grounded_skill", "old context")
    d = Decision(7, "edited", "ana", "", 100.5, question="New Q?", answer=None, context="new context")
    row = to_row(Reviewed(s, d))
    assert row["messages"][1]["content"] == "new context\n\nNew Q?"
    assert row["messages"][2]["content"] == "A."  # not edited: the original answer
    meta = row["metadata"]
    assert meta["edited"] is True and meta["reviewer"] == "ana" and meta["decided_at"] == 100.5
    assert meta["original_sha256"] and len(str(meta["original_sha256"])) == 64
    plain = to_row(Reviewed(s, Decision(7, "accepted", "bo", "", 1.0)))["metadata"]
    assert plain["edited"] is False and plain["original_sha256"] is None


def test_flags_on_an_accepted_sample_are_overridden_gates() -> None:
    s = sample("freeform_skill")
    flags = [Flag(7, "pii", "mail", None, None), Flag(7, "near_duplicate", "x", 0.9, 3)]
    meta = metadata(
        Reviewed(s, Decision(7, "accepted", "a", "", 1.0), flags),
        gates_run=("pii", "near_duplicate", "empty"),
    )
    assert meta["gates_overridden"] == ["near_duplicate", "pii"]
    assert meta["gates_passed"] == ["empty"]
    unreviewed = metadata(Reviewed(s, None, flags), gates_run=("pii",))
    assert unreviewed["gates_overridden"] == [] and unreviewed["gates_flagged"] == ["near_duplicate", "pii"]


def test_ids_are_stable_and_distinct() -> None:
    assert row_id(sample("freeform_skill")) == row_id(sample("freeform_skill", id=99))
    assert row_id(sample("freeform_skill")) != row_id(sample("freeform_skill", slot=4))
    assert row_id(sample("freeform_skill")) != row_id(sample("freeform_skill", run_id=3))


def test_a_jsonl_line_matches_the_schema_and_metadata_is_a_json_string() -> None:
    line = jsonl_line(to_row(Reviewed(sample("knowledge", "ctx"), None)))
    obj = json.loads(line)
    jsonschema.validate(obj, MESSAGES_SCHEMA)
    assert (
        isinstance(obj["metadata"], str)
        and json.loads(obj["metadata"])["leaf_path"] == "compositional_skills/x/y"
    )
    bad = dict(obj, messages=obj["messages"][1:])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, MESSAGES_SCHEMA)


def test_metadata_fields_are_the_parquet_struct_fields_in_order() -> None:
    meta = metadata(Reviewed(sample("freeform_skill"), None))
    assert list(meta) == [f.name for f in METADATA_TYPE]
