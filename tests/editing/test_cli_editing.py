"""`labui leaf create`, `labui seeds import`, `labui changes`: exit codes, messages, nothing changed on failure."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from labui.cli import main
from labui.taxonomy.load import load_taxonomy
from tests.official import official_verdicts

NEW = "compositional_skills/writing/limerick"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


SEEDS = [
    {"question": f"Write a limerick about thing number {i}.", "answer": f"There once was a thing {i}\n"}
    for i in range(6)
]


def test_create_then_import_gives_a_valid_leaf(sample_taxonomy: Path, tmp_path: Path) -> None:
    code, out = run(
        "leaf",
        "create",
        str(sample_taxonomy),
        NEW,
        "--kind",
        "freeform_skill",
        "--created-by",
        "me",
        "--task-description",
        "Writing limericks",
        "--license",
        "CC-BY-4.0",
    )
    assert code == 0
    assert "created compositional_skills/writing/limerick/qna.yaml" in out and "incomplete: 5 more" in out
    assert (sample_taxonomy / NEW / "attribution.txt").read_text().count("TODO") == 2  # link, revision
    code, out = run(
        "seeds", "import", str(sample_taxonomy), NEW, str(_jsonl(tmp_path / "s.jsonl", SEEDS + SEEDS[:1]))
    )
    assert code == 0 and "imported 6 new seed examples (1 exact repeat skipped)" in out
    assert "incomplete" not in out
    leaf = load_taxonomy(sample_taxonomy).leaf(NEW)
    assert leaf is not None and leaf.errors == 0 and leaf.seed_count == 6
    assert official_verdicts(sample_taxonomy)[NEW] is False
    code, _ = run("validate", str(sample_taxonomy))
    assert code == 0


def test_create_knowledge_with_seeds_and_json_output(sample_taxonomy: Path, tmp_path: Path) -> None:
    rows = [
        {"context": f"Paragraph {c} of the text.", "question": f"Q {c}.{q}?", "answer": f"A {c}.{q}"}
        for c in range(5)
        for q in range(3)
    ]
    code, out = run(
        "leaf",
        "create",
        str(sample_taxonomy),
        "knowledge/arts/music",
        "--kind",
        "knowledge",
        "--created-by",
        "me",
        "--domain",
        "Music",
        "--document-outline",
        "About music",
        "--document-repo",
        "https://github.com/x/y.git",
        "--document-commit",
        "abc123",
        "--document-pattern",
        "music.md",
        "--seeds",
        str(_jsonl(tmp_path / "k.jsonl", rows)),
        "--format",
        "json",
        "--strict",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["written"] and doc["seed_examples"] == 5 and not doc["incomplete"]
    attribution = (sample_taxonomy / "knowledge/arts/music/attribution.txt").read_text()
    assert "Link to work: https://github.com/x/y.git" in attribution and "Revision: abc123" in attribution


@pytest.mark.parametrize(
    "argv",
    [
        ["--kind", "freeform_skill", "--created-by", "me"],  # no task description
        ["--kind", "freeform_skill", "--created-by", "me", "--task-description", "t", "--domain", "d"],
        ["--kind", "knowledge", "--created-by", "me", "--domain", "d"],
        ["--kind", "freeform_skill", "--created-by", " ", "--task-description", "t"],
    ],
)
def test_bad_options_exit_2(
    sample_taxonomy: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(sample_taxonomy)
    code, _ = run("leaf", "create", str(sample_taxonomy), NEW, *argv)
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("labui: error:") and "Traceback" not in err and err.count("\n") == 1
    assert _snapshot(sample_taxonomy) == before


@pytest.mark.parametrize(
    "leaf_path",
    [
        "../escape",
        "/abs/path",
        "compositional_skills/Bad-Name",
        "recipes/x",
        "compositional_skills/a/../../x",
        "compositional_skills/writing/poetry/haiku",
    ],
)
def test_bad_paths_exit_2_and_change_nothing(
    sample_taxonomy: Path, leaf_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(sample_taxonomy)
    code, _ = run(
        "leaf",
        "create",
        str(sample_taxonomy),
        leaf_path,
        "--kind",
        "freeform_skill",
        "--created-by",
        "me",
        "--task-description",
        "t",
    )
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err
    assert _snapshot(sample_taxonomy) == before


def test_content_errors_exit_1_and_change_nothing(
    sample_taxonomy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(sample_taxonomy)
    code, _ = run(
        "leaf",
        "create",
        str(sample_taxonomy),
        NEW,
        "--kind",
        "freeform_skill",
        "--created-by",
        "me",
        "--task-description",
        "t",
        "--strict",
    )
    assert code == 1
    assert "at least 5 are required" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "no answer"}\n')
    code, _ = run(
        "seeds", "import", str(sample_taxonomy), "compositional_skills/writing/poetry/haiku", str(bad)
    )
    assert code == 1
    assert "has no answer" in capsys.readouterr().err
    code, _ = run(
        "seeds", "import", str(sample_taxonomy), "compositional_skills/writing/nothing_here", str(bad)
    )
    assert code == 2
    code, _ = run(
        "seeds",
        "import",
        str(sample_taxonomy),
        "compositional_skills/writing/poetry/haiku",
        str(tmp_path / "missing.jsonl"),
    )
    assert code == 2
    assert _snapshot(sample_taxonomy) == before


def test_changes_command(sample_taxonomy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("changes", str(sample_taxonomy))
    assert code == 2 and "not in a git repository" in capsys.readouterr().err
    subprocess.run(["git", "init", "-q"], cwd=sample_taxonomy, check=True)
    code, out = run("changes", str(sample_taxonomy), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and len(doc["changes"]) == len(load_taxonomy(sample_taxonomy).leaves)
    assert {c["change"] for c in doc["changes"]} == {"added"}
    code, out = run("changes", str(sample_taxonomy))
    assert code == 0 and f"{len(doc['changes'])} leaves changed compared with" in out


def test_help_stays_fast_to_import() -> None:
    """`labui --help` must not import the heavy stacks (or the editing library)."""
    code = (
        "import sys; from labui.cli import build_parser; build_parser(); "
        "bad = [m for m in ('torch', 'sentence_transformers', 'labui.editing', 'streamlit') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("leaf_path", "why"),
    [
        ("compositional_skills/writing", "already has leaves below it"),
        ("compositional_skills/writing/poetry/haiku/deeper", "is already a leaf"),
    ],
)
def test_a_leaf_above_or_inside_leaves_is_refused_saying_why(
    sample_taxonomy: Path, leaf_path: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(sample_taxonomy)
    code, _ = run(
        "leaf", "create", str(sample_taxonomy), leaf_path, "--kind", "freeform_skill", "--created-by", "me",
        "--task-description", "t",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and why in err and "Traceback" not in err
    assert _snapshot(sample_taxonomy) == before


def test_hostile_seed_files_are_refused_before_they_are_read_whole(
    sample_taxonomy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    before = _snapshot(sample_taxonomy)
    haiku = "compositional_skills/writing/poetry/haiku"
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    )
    code, _ = run("seeds", "import", str(sample_taxonomy), haiku, str(bomb))
    assert code == 1 and "bomb.yaml" in capsys.readouterr().err
    fifo = tmp_path / "seeds.jsonl"
    os.mkfifo(fifo)  # reading it would block forever
    code, _ = run("seeds", "import", str(sample_taxonomy), haiku, str(fifo))
    assert code == 2 and "not a regular file" in capsys.readouterr().err
    assert _snapshot(sample_taxonomy) == before
