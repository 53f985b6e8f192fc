"""The verdict cache: a hit gives exactly what validating again gives; any change is a miss; the
workspace never dirties the taxonomy's git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from labui.store import Store
from labui.store.verdicts import Verdicts
from labui.taxonomy import Leaf, load_taxonomy


def _same(a: Leaf, b: Leaf) -> bool:
    return (a.path, a.kind, a.version, a.contents, a.seeds, a.diagnostics, a.sha256, a.text) == (
        b.path, b.kind, b.version, b.contents, b.seeds, b.diagnostics, b.sha256, b.text,
    )  # fmt: skip


def test_hits_give_the_same_leaves_as_validating(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    verdicts = Verdicts(Store(tmp_path / "ws" / "workspace.sqlite"))
    fresh = load_taxonomy(real_taxonomy_copy)
    first = load_taxonomy(real_taxonomy_copy, verdicts=verdicts)
    assert (verdicts.hits, verdicts.misses) == (0, len(fresh.leaves))
    second = load_taxonomy(real_taxonomy_copy, verdicts=verdicts)
    assert verdicts.hits == len(fresh.leaves)
    for a, b, c in zip(fresh.leaves, first.leaves, second.leaves, strict=True):
        assert _same(a, b) and _same(a, c), a.path


def test_a_change_to_a_leaf_or_its_attribution_is_a_miss(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    verdicts = Verdicts(Store(tmp_path / "ws" / "workspace.sqlite"))
    tx = load_taxonomy(real_taxonomy_copy, verdicts=verdicts)
    v2 = next(leaf for leaf in tx.leaves if leaf.version >= 2 and not leaf.errors)
    (v2.file.parent / "attribution.txt").write_text("  \n", encoding="utf-8")
    v1 = next(leaf for leaf in tx.leaves if leaf.version == 1 and not leaf.errors)
    v1.file.write_text(v1.text.replace("seed_examples:", "seed_examples: oops\nbroken:", 1), encoding="utf-8")
    verdicts.hits = verdicts.misses = 0
    again = load_taxonomy(real_taxonomy_copy, verdicts=verdicts)
    assert verdicts.misses == 2
    assert [d.code for d in again.leaf(v2.path).diagnostics if d.severity.value == "error"] == ["attribution"]  # type: ignore[union-attr]
    assert again.leaf(v1.path).errors  # type: ignore[union-attr]


def test_a_moved_leaf_is_validated_for_its_new_place(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    """The schema depends on the top folder, and diagnostics name the file: the key holds the place."""
    verdicts = Verdicts(Store(tmp_path / "ws" / "workspace.sqlite"))
    tx = load_taxonomy(real_taxonomy_copy, verdicts=verdicts)
    leaf = next(leaf for leaf in tx.leaves if leaf.diagnostics and leaf.branch == "compositional_skills")
    dest = real_taxonomy_copy / "compositional_skills" / "moved_here"
    shutil.move(leaf.file.parent, dest)
    moved = load_taxonomy(real_taxonomy_copy, verdicts=verdicts).leaf("compositional_skills/moved_here")
    assert moved is not None and moved.diagnostics
    assert all(d.path.startswith("compositional_skills/moved_here/") for d in moved.diagnostics)


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_the_workspace_never_dirties_the_taxonomy_repository(sample_taxonomy: Path) -> None:
    shutil.rmtree(sample_taxonomy / ".labui", ignore_errors=True)
    _git(sample_taxonomy, "init", "-q")
    _git(sample_taxonomy, "add", "-A")
    _git(sample_taxonomy, "commit", "-qm", "taxonomy")
    env = {k: v for k, v in os.environ.items() if k != "LABUI_WORKSPACE"}  # the default: .labui/ inside
    for command in (["validate"], ["tree", "--format", "json"]):
        proc = subprocess.run(
            [sys.executable, "-m", "labui.cli", *command, str(sample_taxonomy)],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    assert (sample_taxonomy / ".labui" / "workspace.sqlite").is_file(), "the cache was written there"
    assert _git(sample_taxonomy, "status", "--porcelain", "--untracked-files=all") == ""
    assert (sample_taxonomy / ".labui" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
