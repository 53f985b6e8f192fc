"""The stat index: an unchanged tree is answered from stats alone, and any edit, even one that keeps
a file's size and mtime, is a miss; a tree that could change unseen is never indexed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labui.taxonomy import load_taxonomy, statindex
from labui.taxonomy.report import build_report


@pytest.fixture
def index(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder / statindex.INDEX_NAME


def _kept(root: Path, index: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Validate `root` and index it. Its files were just copied, so they are racily clean under the
    real margin; the margin is dropped here, and tests that edit wait for the clock to move on."""
    monkeypatch.setattr(statindex, "RACY_NS", 0)
    seen = statindex.probe(root, index)
    assert seen.report is None
    report = build_report(load_taxonomy(root))
    assert statindex.keep(index, root, seen, report)
    return json.loads(json.dumps(report))


def _after_every_stat(root: Path) -> None:
    """Wait until the file system's clock has passed every ctime in the tree (a state, not a time):
    an edit then gets a ctime the index has never seen, as it would minutes later."""
    newest = max(p.lstat().st_ctime_ns for p in root.rglob("*"))
    probe = root.parent / "clock"
    while True:
        probe.write_bytes(b"x")
        if probe.lstat().st_ctime_ns > newest:
            return


def test_an_unchanged_tree_is_answered_from_stats(
    real_taxonomy_copy: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _kept(real_taxonomy_copy, index, monkeypatch)
    again = statindex.probe(real_taxonomy_copy, index)
    assert again.report == report
    assert len(again.files) == report["leaves"]


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(
    real_taxonomy_copy: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kept(real_taxonomy_copy, index, monkeypatch)
    _after_every_stat(real_taxonomy_copy)
    leaf = next(real_taxonomy_copy.rglob("qna.yaml"))
    before = leaf.stat()
    data = leaf.read_bytes()
    leaf.write_bytes(data.replace(b"version:", b"vErsion:", 1))  # same size, now invalid
    os.utime(leaf, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime set back, as a tool might
    assert (leaf.stat().st_size, leaf.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert statindex.probe(real_taxonomy_copy, index).report is None


def test_leaves_and_attributions_added_or_removed_are_misses(
    real_taxonomy_copy: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kept(real_taxonomy_copy, index, monkeypatch)
    leaves = sorted(real_taxonomy_copy.rglob("qna.yaml"))
    copy = real_taxonomy_copy / "compositional_skills" / "a_copy" / "qna.yaml"
    copy.parent.mkdir()
    copy.write_bytes(leaves[0].read_bytes())
    assert statindex.probe(real_taxonomy_copy, index).report is None
    copy.unlink()
    copy.parent.rmdir()
    assert statindex.probe(real_taxonomy_copy, index).report is not None
    without = next(p for p in leaves if not (p.parent / "attribution.txt").exists())
    (without.parent / "attribution.txt").write_text("Title: x\n", encoding="utf-8")
    assert statindex.probe(real_taxonomy_copy, index).report is None
    (without.parent / "attribution.txt").unlink()
    leaves[-1].unlink()
    assert statindex.probe(real_taxonomy_copy, index).report is None


def test_changed_rules_a_damaged_index_or_another_tree_are_misses(
    real_taxonomy_copy: Path, index: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _kept(real_taxonomy_copy, index, monkeypatch)
    monkeypatch.setenv("LABUI_MAX_FILE_BYTES", "1000")  # a smaller cap could refuse a kept file
    assert statindex.probe(real_taxonomy_copy, index).report is None
    monkeypatch.delenv("LABUI_MAX_FILE_BYTES")
    other = tmp_path / "other"
    real_taxonomy_copy.rename(other)  # the same files under another root
    assert statindex.probe(other, index).report is None
    other.rename(real_taxonomy_copy)
    assert statindex.probe(real_taxonomy_copy, index).report is not None
    index.write_bytes(index.read_bytes()[:-10])
    assert statindex.probe(real_taxonomy_copy, index).report is None
    index.unlink()
    os.mkfifo(index)  # not a regular file: refused, never waited on
    assert statindex.probe(real_taxonomy_copy, index).report is None


def test_a_racily_clean_or_linked_tree_is_not_indexed(
    real_taxonomy_copy: Path, index: Path, tmp_path: Path
) -> None:
    seen = statindex.probe(real_taxonomy_copy, index)
    report = build_report(load_taxonomy(real_taxonomy_copy))
    assert not statindex.keep(index, real_taxonomy_copy, seen, report)  # files from just now
    assert not index.exists()
    leaf_dir = real_taxonomy_copy / "compositional_skills" / "linked"
    leaf_dir.mkdir()
    target = real_taxonomy_copy / "compositional_skills" / "target.yaml"
    target.write_text("version: 2\n", encoding="utf-8")
    os.symlink(target, leaf_dir / "qna.yaml")  # inside the tree, so it is read: but never indexed
    assert statindex.probe(real_taxonomy_copy, index).entries is None


def _validate(root: Path, workspace: Path, *args: str, code: str | None = None) -> str:
    env = {**os.environ, "LABUI_WORKSPACE": str(workspace)}
    if code is None:
        cmd = [sys.executable, "-m", "labui.cli", "validate", str(root), *args]
    else:
        cmd = [sys.executable, "-c", code, str(root)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120).stdout


def test_the_cli_answers_from_the_index_without_sqlite_or_hashing(
    real_taxonomy_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    fresh = _validate(real_taxonomy_copy, ws, "--no-cache", "--format", "json")
    assert not ws.exists()  # --no-cache: no workspace at all
    _validate(real_taxonomy_copy, ws)  # cold: the verdicts are kept; the index is not (racy files)
    assert not (ws / statindex.INDEX_NAME).exists()
    _kept(real_taxonomy_copy, ws / statindex.INDEX_NAME, monkeypatch)
    assert _validate(real_taxonomy_copy, ws, "--format", "json") == fresh
    code = (
        "import sys, runpy; sys.argv = ['labui', 'validate', sys.argv[1], '-q']\n"
        "try:\n    runpy.run_module('labui.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlite3', 'hashlib', 'yaml', 'jsonschema', 'shutil') if m in sys.modules))"
    )
    assert _validate(real_taxonomy_copy, ws, code=code).strip().splitlines()[-1] == "[]"
    # An edit the stats alone could miss (same size, mtime set back) is validated, and re-indexed.
    _after_every_stat(real_taxonomy_copy)
    leaf = sorted(real_taxonomy_copy.rglob("qna.yaml"))[0]
    before = leaf.stat()
    leaf.write_bytes(leaf.read_bytes().replace(b"created_by:", b"created_bx:", 1))
    os.utime(leaf, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited = json.loads(_validate(real_taxonomy_copy, ws, "--format", "json"))
    assert edited["errors"] > json.loads(fresh)["errors"]
    assert json.loads(_validate(real_taxonomy_copy, ws, "--no-cache", "--format", "json")) == edited
