"""Library rules the CLI and the Editor share: where a new leaf may go, stray temporary files, uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

import labui.editing as editing
from labui.errors import ContentError, UsageError
from labui.taxonomy.model import LeafKind

SEEDS = [{"question": f"What is {i} plus {i}?", "answer": str(2 * i)} for i in range(5)]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("compositional_skills/writing", "already has leaves below it"),  # a branch above leaves
        ("compositional_skills/writing/poetry/haiku/more", "is already a leaf"),  # inside a leaf
    ],
)
def test_a_new_leaf_is_refused_above_or_inside_leaves(sample_taxonomy: Path, where: str, why: str) -> None:
    before = _snapshot(sample_taxonomy)
    with pytest.raises(editing.LeafPlacementError, match=why) as exc:
        editing.create_leaf(sample_taxonomy, where, "freeform_skill", "me", task_description="t", seeds=SEEDS)
    assert isinstance(exc.value, UsageError)
    # The Editor's path (a new model saved) is refused the same way.
    with pytest.raises(editing.LeafPlacementError, match=why):
        editing.save_model(
            sample_taxonomy,
            editing.new_model(where, "freeform_skill", "me", task_description="t", seeds=SEEDS),
        )
    assert _snapshot(sample_taxonomy) == before
    assert not (sample_taxonomy / where).exists() or where.endswith("writing")


def test_a_new_leaf_beside_others_is_fine(sample_taxonomy: Path) -> None:
    result = editing.create_leaf(
        sample_taxonomy,
        "compositional_skills/writing/poetry/limerick",
        "freeform_skill",
        "me",
        task_description="t",
        seeds=SEEDS,
    )
    assert result.created and result.wrote_leaf


def test_stray_temporary_files_are_cleaned_on_open_and_before_a_write(sample_taxonomy: Path) -> None:
    leaf_path = "compositional_skills/writing/poetry/haiku"
    folder = sample_taxonomy / leaf_path
    stray = folder / ".qna.yaml.labui-0badf00d.tmp"
    stray.write_text("half a file")
    keep = folder / "notes.tmp"  # not ours: never touched
    keep.write_text("mine")
    _, model = editing.open_leaf(sample_taxonomy, leaf_path)
    assert not stray.exists() and keep.exists()
    stray.write_text("half a file")
    model.seeds[0].answer = "Changed\n"
    editing.save_model(sample_taxonomy, model)
    assert not stray.exists() and keep.exists()


def test_an_uploaded_alias_bomb_is_refused_before_it_expands() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert len(bomb) < 1000
    with pytest.raises(ContentError, match="line"):
        editing.model_from_text("compositional_skills/x", bomb, LeafKind.FREEFORM_SKILL, None)
