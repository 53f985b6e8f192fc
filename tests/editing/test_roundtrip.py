"""Round-trip fidelity on the real taxonomy: an untouched save writes nothing, and adding or editing
one seed (in the model the Editor uses, or with `labui seeds import`) changes only that seed's lines."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

import labui.editing as editing
from labui.editing.seeds import merge_seeds, seeds_from_rows
from labui.taxonomy import qna_yaml
from labui.taxonomy.load import load_taxonomy
from labui.taxonomy.model import LeafKind

NEW = {"question": "Which line is new?", "answer": "Only this one,\nand the one below it."}


def _changed(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between two texts."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def test_every_real_leaf_saves_byte_identical_and_writes_nothing(real_taxonomy_copy: Path) -> None:
    tx = load_taxonomy(real_taxonomy_copy)
    assert len(tx.leaves) == 148
    for leaf in tx.leaves:
        _, model = editing.open_leaf(real_taxonomy_copy, leaf.path)
        assert model.to_text() == leaf.text, leaf.path
        if leaf.errors:
            continue  # a leaf that does not validate is refused before anything is compared
        mtime = leaf.file.stat().st_mtime_ns
        result = editing.save_model(real_taxonomy_copy, model)
        assert not result.wrote_leaf and not result.wrote_attribution, leaf.path
        assert leaf.file.read_bytes() == leaf.text.encode("utf-8") and leaf.file.stat().st_mtime_ns == mtime


def test_adding_one_seed_adds_only_its_lines_in_every_real_leaf(real_taxonomy: Path) -> None:
    for leaf in load_taxonomy(real_taxonomy).leaves:
        model = editing.model_from_leaf(leaf)
        row = {**NEW, "context": "A paragraph to read."} if leaf.kind is LeafKind.KNOWLEDGE else NEW
        assert merge_seeds(model, seeds_from_rows([row], model.kind, model.seed_keys)).added == 1
        text = model.to_text()
        removed, added = _changed(leaf.text, text)
        assert removed == [], leaf.path
        assert any("Which line is new?" in line for line in added) and len(added) <= 8, leaf.path
        assert qna_yaml.loads(text)["seed_examples"][:-1] == leaf.contents["seed_examples"], leaf.path


def test_editing_one_answer_changes_only_that_answer_in_every_real_leaf(real_taxonomy: Path) -> None:
    for leaf in load_taxonomy(real_taxonomy).leaves:
        model = editing.model_from_leaf(leaf)
        seed = model.seeds[len(model.seeds) // 2]
        if seed.qnas:
            seed.qnas[0].answer = "A new answer."
        else:
            seed.answer = "A new answer."
        removed, added = _changed(leaf.text, model.to_text())
        assert added == [added[0]] and added[0].strip().endswith("A new answer."), leaf.path
        assert len(removed) >= 1, leaf.path


def test_import_into_real_skill_leaves_keeps_every_other_line(
    real_taxonomy_copy: Path, tmp_path: Path
) -> None:
    seeds = tmp_path / "one.jsonl"
    seeds.write_text(json.dumps(NEW) + "\n")
    tried = 0
    for leaf in load_taxonomy(real_taxonomy_copy).leaves:
        if leaf.kind is LeafKind.KNOWLEDGE or leaf.errors:
            continue
        result = editing.import_seeds(real_taxonomy_copy, leaf.path, seeds)
        removed, added = _changed(leaf.text, leaf.file.read_text(encoding="utf-8"))
        assert result.added == 1 and removed == [] and 1 <= len(added) <= 4, leaf.path
        tried += 1
    assert tried > 100


def test_untouched_values_keep_their_type_a_list_question_is_reported_not_coerced(
    sample_taxonomy: Path,
) -> None:
    leaf_path = "compositional_skills/writing/poetry/haiku"
    file = sample_taxonomy / leaf_path / "qna.yaml"
    text = file.read_text(encoding="utf-8")
    contents = qna_yaml.loads(text)
    first = contents["seed_examples"][0]["question"]
    bad = text.replace(f"question: {first}", f"question:\n      - {first}\n      - a second part", 1)
    assert bad != text
    file.write_text(bad, encoding="utf-8")
    _, model = editing.open_leaf(sample_taxonomy, leaf_path)
    model.seeds[1].answer = "Changed, so the file is written back."
    out = model.to_text()
    assert isinstance(qna_yaml.loads(out)["seed_examples"][0]["question"], list)
    codes = {d.code for d in model.to_leaf(file).diagnostics}
    assert "schema-type" in codes
    with pytest.raises(editing.LeafContentError):
        editing.save_model(sample_taxonomy, model)
