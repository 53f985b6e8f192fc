"""Leaf paths: inside the tree, under a branch, sane names; refused cleanly otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labui.errors import UsageError
from labui.taxonomy.paths import check_leaf_path, normalise


def test_good_paths_are_normalised(sample_taxonomy: Path) -> None:
    loc = check_leaf_path(sample_taxonomy, " compositional_skills/writing/limerick/ ")
    assert loc.path == "compositional_skills/writing/limerick"
    assert loc.folder == sample_taxonomy.resolve() / "compositional_skills/writing/limerick"
    assert not loc.exists
    assert check_leaf_path(sample_taxonomy, "compositional_skills/writing/poetry/haiku/qna.yaml").exists


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("", "empty"),
        ("../outside", "'..'"),
        ("compositional_skills/../../etc", "'..'"),
        ("compositional_skills/./x", "'.'"),
        ("/etc/passwd", "absolute"),
        ("~/x", "absolute"),
        ("C:/x", "absolute"),
        ("compositional_skills\\x", "backslash"),
        ("compositional_skills//x", "empty folder name"),
        ("recipes/x", "must start with"),
        ("knowledge", "names a branch"),
        ("compositional_skills/Writing", "not allowed"),
        ("compositional_skills/my-leaf", "not allowed"),
        ("compositional_skills/a b", "not allowed"),
        ("compositional_skills/ünï", "not allowed"),
        ("compositional_skills/x\x00y", "not allowed"),
        ("compositional_skills/.hidden", "not allowed"),
        ("compositional_skills/" + "a" * 101, "not allowed"),
    ],
)
def test_bad_paths_are_refused_and_nothing_changes(sample_taxonomy: Path, path: str, fragment: str) -> None:
    before = sorted(p.relative_to(sample_taxonomy) for p in sample_taxonomy.rglob("*"))
    with pytest.raises(UsageError, match=fragment.replace(".", r"\.").replace("(", r"\(")) as exc:
        check_leaf_path(sample_taxonomy, path)
    assert "Traceback" not in str(exc.value)
    assert sorted(p.relative_to(sample_taxonomy) for p in sample_taxonomy.rglob("*")) == before


def test_existing_folders_with_other_names_are_accepted(real_taxonomy: Path) -> None:
    loc = check_leaf_path(real_taxonomy, "compositional_skills/STEM/math/area")
    assert loc.exists
    with pytest.raises(UsageError, match="not allowed"):
        check_leaf_path(real_taxonomy, "compositional_skills/STEM/Other")


def test_symlinks_out_of_the_tree_are_refused(sample_taxonomy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, sample_taxonomy / "compositional_skills" / "escape")
    with pytest.raises(UsageError, match="symbolic link"):
        check_leaf_path(sample_taxonomy, "compositional_skills/escape/leaf")
    leaf = sample_taxonomy / "compositional_skills/writing/poetry/haiku"
    (tmp_path / "elsewhere.yaml").write_text("x: 1\n")
    (leaf / "qna.yaml").unlink()
    os.symlink(tmp_path / "elsewhere.yaml", leaf / "qna.yaml")
    with pytest.raises(UsageError, match="symbolic link"):
        check_leaf_path(sample_taxonomy, "compositional_skills/writing/poetry/haiku")


def test_a_file_in_the_way_is_refused(sample_taxonomy: Path) -> None:
    (sample_taxonomy / "compositional_skills" / "afile").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        check_leaf_path(sample_taxonomy, "compositional_skills/afile/leaf")


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        check_leaf_path(tmp_path / "nope", "compositional_skills/x")


def test_helpers(tmp_path: Path) -> None:
    assert normalise("knowledge/a/b/qna.yaml") == ["knowledge", "a", "b"]
    with pytest.raises(UsageError, match=r"e\.g\. 'polite_decline'"):
        check_leaf_path(tmp_path, "compositional_skills/Polite decline!")
