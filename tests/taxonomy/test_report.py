"""The whole-tree report: an unchanged tree is answered from its kept report, exactly as validating
again would answer; any change, a refused file or a damaged row means a full load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from labui.store import Store
from labui.store.verdicts import Verdicts
from labui.taxonomy import load_taxonomy
from labui.taxonomy.report import build_report, cached_report, keep_report
from labui.taxonomy.walk import read_tree


def _cache(tmp_path: Path) -> Verdicts:
    return Verdicts(Store(tmp_path / "ws" / "workspace.sqlite", areas=("verdicts",)))


def test_an_unchanged_tree_gives_the_kept_report(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None  # nothing kept yet
    tx = load_taxonomy(real_taxonomy_copy, verdicts=cache)
    report = build_report(tx)
    keep_report(cache, tx, report)
    assert cached_report(read_tree(real_taxonomy_copy), cache) == json.loads(json.dumps(report))
    assert report["leaves"] == len(tx.leaves) and report["errors"] == tx.errors


def test_any_change_in_the_tree_is_a_miss(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    tx = load_taxonomy(real_taxonomy_copy, verdicts=cache)
    keep_report(cache, tx, build_report(tx))
    leaf = tx.leaves[0]
    leaf.file.write_bytes(leaf.file.read_bytes() + b"\n")  # one byte; the stat may even look the same
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None
    leaf.file.write_bytes(leaf.file.read_bytes()[:-1])  # back as it was: the kept report again
    assert cached_report(read_tree(real_taxonomy_copy), cache) is not None
    (tx.leaves[1].file.parent / "attribution.txt").write_text("changed\n", encoding="utf-8")
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None


def test_a_removed_or_added_leaf_is_a_miss(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    tx = load_taxonomy(real_taxonomy_copy, verdicts=cache)
    keep_report(cache, tx, build_report(tx))
    copy = real_taxonomy_copy / "compositional_skills" / "a_copy" / "qna.yaml"
    copy.parent.mkdir()
    copy.write_bytes(tx.leaves[0].file.read_bytes())
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None
    copy.unlink()
    assert cached_report(read_tree(real_taxonomy_copy), cache) is not None
    tx.leaves[-1].file.unlink()
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None


def test_a_refused_file_is_never_answered_from_the_cache(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    leaf_dir = real_taxonomy_copy / "compositional_skills" / "linked"
    leaf_dir.mkdir()
    secret = tmp_path / "secret.yaml"
    secret.write_text("version: 2\n", encoding="utf-8")
    os.symlink(secret, leaf_dir / "qna.yaml")
    tx = load_taxonomy(real_taxonomy_copy, verdicts=cache)
    assert tx.key == ""  # a tree with a refused file has no key, so nothing is kept for it
    keep_report(cache, tx, build_report(tx))
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None


def test_a_damaged_row_means_a_full_load(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    tx = load_taxonomy(real_taxonomy_copy, verdicts=cache)
    cache.put_many([(tx.key, "{not json")])
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None
    cache.put_many([(tx.key, json.dumps({"leaves": 1}))])
    assert cached_report(read_tree(real_taxonomy_copy), cache) is None


def _validate(root: Path, workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABUI_WORKSPACE": str(workspace)}
    return subprocess.run(
        [sys.executable, "-m", "labui.cli", "validate", str(root), *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_the_cli_prints_the_same_whether_loaded_or_kept(real_taxonomy_copy: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    for args in ((), ("--format", "json"), ("-q",)):
        fresh = _validate(real_taxonomy_copy, ws, "--no-cache", *args)
        cold = _validate(real_taxonomy_copy, ws, *args)
        warm = _validate(real_taxonomy_copy, ws, *args)
        assert fresh.returncode == cold.returncode == warm.returncode == 1  # the real tree has 2 errors
        assert fresh.stdout == cold.stdout == warm.stdout, args
    # The warm run imported no rule engine: it never validated anything.
    code = (
        "import sys, runpy; sys.argv = ['labui', 'validate', sys.argv[1], '-q']\n"
        "try:\n    runpy.run_module('labui.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('yaml', 'jsonschema', 'yamllint', 'labui.taxonomy.validate') if m in sys.modules))"
    )
    env = {**os.environ, "LABUI_WORKSPACE": str(ws)}
    out = subprocess.run([sys.executable, "-c", code, str(real_taxonomy_copy)], capture_output=True,
                         text=True, env=env, timeout=120).stdout  # fmt: skip
    assert out.strip().splitlines()[-1] == "[]"
