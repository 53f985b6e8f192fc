"""`labui export` and `labui seeds promote`: the JSON shapes, the text output and the exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from labui.cli import main
from labui.store.db import Store
from labui.taxonomy import Taxonomy, load_taxonomy
from tests.export.support import CSV, HAIKU, SOLAR, Workspace, build


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


def test_export_json_shape(sample_taxonomy: Path, reviewed: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, text = run("export", str(sample_taxonomy), "--out", str(out), "--format", "json")
    assert code == 0
    doc = json.loads(text)
    assert doc == {
        "out": str(out),
        "samples": 9,
        "per_leaf": {CSV: 3, HAIKU: 3, SOLAR: 3},
        "files": ["train.jsonl", "train.parquet", "README.md", "quality.json", "per_leaf.png"],
    }


def test_export_text_options(sample_taxonomy: Path, reviewed: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    code, text = run(
        "export", str(sample_taxonomy), "--out", str(out), "--leaf", "knowledge", "--files", "jsonl",
        "--include-unreviewed", "--system-prompt", "You answer in French.", "--run", str(reviewed.run_id),
    )  # fmt: skip
    assert code == 0
    assert f"exported 5 samples to {out}" in text and SOLAR in text and "nobody reviewed" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "per_leaf.png",
        "quality.json",
        "train.jsonl",
    ]
    row = json.loads((out / "train.jsonl").read_text().splitlines()[0])
    assert row["messages"][0] == {"role": "system", "content": "You answer in French."}


def test_nothing_to_export_exits_2_with_the_reason(
    sample_taxonomy: Path, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("export", str(sample_taxonomy), "--out", str(tmp_path / "ds"))
    assert code == 2 and "no generated samples in the workspace" in capsys.readouterr().err
    build(store, per_leaf=1)
    code, _ = run("export", str(sample_taxonomy), "--out", str(tmp_path / "ds"), "--format", "json")
    err = capsys.readouterr().err
    assert code == 2 and "nothing accepted to export" in err and "Traceback" not in err
    code, _ = run("export", str(sample_taxonomy), "--out", str(tmp_path / "ds"), "--files", "csv")
    assert code == 2 and "unknown export file kind csv" in capsys.readouterr().err
    assert not (tmp_path / "ds").exists()


def test_promote_an_accepted_sample_to_a_seed(
    sample_taxonomy: Path, store: Store, reviewed: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    before = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    assert before is not None
    edited = reviewed.ids[HAIKU][2]
    code, text = run("seeds", "promote", str(sample_taxonomy), "--sample", str(edited), "--format", "json")
    assert code == 0, capsys.readouterr().err
    doc = json.loads(text)
    assert doc == {"sample": edited, "leaf": HAIKU, "added": True, "seed_examples": before.seed_count + 1}
    after = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    assert after is not None and after.errors == 0
    assert after.seeds[-1].question == f"Edited question of {HAIKU}?"  # the edited text, not the original
    code, text = run("seeds", "promote", str(sample_taxonomy), "--sample", str(edited))
    assert code == 0 and "already holds" in text
    code, _ = run("seeds", "promote", str(sample_taxonomy), "--sample", str(reviewed.ids[HAIKU][3]))
    assert code == 2 and "is rejected; only an accepted sample" in capsys.readouterr().err
    code, _ = run("seeds", "promote", str(sample_taxonomy), "--sample", "99999")
    assert code == 2 and "no sample 99999" in capsys.readouterr().err


def test_promote_refuses_what_would_not_validate_and_writes_nothing(
    taxonomy: Taxonomy, store: Store, reviewed: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    leaf = taxonomy.leaf(SOLAR)
    assert leaf is not None
    before = leaf.file.read_bytes()
    sid = reviewed.ids[SOLAR][0]  # a knowledge seed needs a context with three Q&As: one is refused
    code, _ = run("seeds", "promote", str(taxonomy.root), "--sample", str(sid))
    assert code == 1 and capsys.readouterr().err.strip()
    assert leaf.file.read_bytes() == before
