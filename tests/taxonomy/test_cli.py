"""`labui validate` and `labui tree`: output formats and exit codes, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.official import official_verdicts


def labui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labui.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_validate_json_on_the_real_taxonomy(real_taxonomy: Path) -> None:
    proc = labui("validate", str(real_taxonomy), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"leaves", "errors", "warnings", "diagnostics"}
    assert doc["leaves"] == 148
    errors = [d for d in doc["diagnostics"] if d["severity"] == "error"]
    assert doc["errors"] == len(errors) == 2
    assert {d["path"] for d in errors} == {
        "knowledge/technical_manual/ibm_redbooks/qna.yaml",
        "knowledge/textbook/history/ibm_history/qna.yaml",
    }
    assert all(d["line"] == 1 and d["column"] == 1 for d in errors)
    assert doc["warnings"] == len(doc["diagnostics"]) - 2
    for d in doc["diagnostics"]:
        assert set(d) >= {"path", "line", "column", "severity", "message"}
        assert (real_taxonomy / d["path"]).is_file()


def test_validate_agrees_with_the_official_parser_on_the_real_taxonomy(real_taxonomy: Path) -> None:
    from labui.taxonomy import load_taxonomy

    ours = {leaf.path: leaf.errors > 0 for leaf in load_taxonomy(real_taxonomy).leaves}
    assert ours == official_verdicts(real_taxonomy)


def test_validate_text_format_and_exit_zero(sample_taxonomy: Path) -> None:
    proc = labui("validate", str(sample_taxonomy))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith("0 errors, 0 warnings")


def test_validate_text_lines_are_file_line_col(real_taxonomy: Path) -> None:
    proc = labui("validate", str(real_taxonomy), "--quiet")
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("knowledge/technical_manual/ibm_redbooks/qna.yaml:1:1: error: ")
    assert lines[-1] == "148 leaves: 2 errors, 126 warnings"


@pytest.mark.parametrize("command", ["validate", "tree"])
def test_missing_folder_exits_2_without_traceback(tmp_path: Path, command: str) -> None:
    proc = labui(command, str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "not found" in proc.stderr


def test_bad_option_exits_2() -> None:
    assert labui("validate", "--format", "xml", ".").returncode == 2


def test_tree_json_records(real_taxonomy: Path) -> None:
    proc = labui("tree", str(real_taxonomy), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert len(records) == 148
    by_path = {r["path"]: r for r in records}
    haiku = by_path["compositional_skills/writing/freeform/poetry/haiku"]
    # This real leaf is version 1 with a single seed and an empty task description, which v1 allows.
    assert (haiku["kind"], haiku["version"], haiku["seed_examples"]) == ("freeform_skill", 1, 1)
    assert haiku["created_by"] == "IBM Research" and haiku["errors"] == 0
    broken = by_path["knowledge/textbook/history/ibm_history"]
    assert broken["kind"] == "knowledge" and broken["errors"] == 1 and broken["domain"] == "history"
    kinds = {r["kind"] for r in records}
    assert kinds == {"knowledge", "freeform_skill", "grounded_skill"}


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    code = "import sys; from labui import cli; cli.build_parser(); print(sorted(m for m in ('torch','streamlit','jsonschema','faiss','sentence_transformers') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_parallel_and_serial_loading_agree(real_taxonomy: Path) -> None:
    from labui.taxonomy import load_taxonomy

    serial = load_taxonomy(real_taxonomy, workers=1)
    parallel = load_taxonomy(real_taxonomy, workers=2)
    assert [(leaf.path, leaf.diagnostics) for leaf in serial.leaves] == [
        (leaf.path, leaf.diagnostics) for leaf in parallel.leaves
    ]


@pytest.mark.parametrize("command", ["validate", "tree", "coverage"])
def test_a_folder_with_no_leaves_exits_2_for_every_command(command: str, tmp_path: Path) -> None:
    (tmp_path / "knowledge").mkdir()
    for folder in (tmp_path, tmp_path / "knowledge", Path("/")):
        proc = labui(command, str(folder))
        assert proc.returncode == 2, (folder, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("labui: error: ") and len(proc.stderr.splitlines()) == 1, proc.stderr


def test_every_json_diagnostic_has_a_known_code(real_taxonomy: Path) -> None:
    from labui.taxonomy import Code

    doc = json.loads(labui("validate", str(real_taxonomy), "--format", "json").stdout)
    codes = {d["code"] for d in doc["diagnostics"]}
    assert codes <= {c.value for c in Code}
    assert {"version", "seed-words"} <= codes
    by_path = {r["path"]: r for r in json.loads(labui("tree", str(real_taxonomy), "--format", "json").stdout)}
    assert "version" in by_path["knowledge/textbook/history/ibm_history"]["codes"]


def test_a_closed_pipe_is_not_a_traceback(real_taxonomy: Path) -> None:
    proc = subprocess.run(
        f"'{sys.executable}' -m labui.cli validate '{real_taxonomy}' --format json | head -c 10",
        shell=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.stdout == '{\n  "leave'
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr


def test_the_second_run_uses_the_verdict_cache_and_agrees(real_taxonomy: Path) -> None:
    cold = labui("validate", str(real_taxonomy), "--format", "json")
    warm = labui("validate", str(real_taxonomy), "--format", "json")
    uncached = labui("validate", str(real_taxonomy), "--format", "json", "--no-cache")
    assert cold.stdout == warm.stdout == uncached.stdout


def test_an_unusable_workspace_only_costs_the_cache(
    sample_taxonomy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("LABUI_WORKSPACE", str(blocker / "ws"))
    proc = labui("validate", str(sample_taxonomy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("labui: not using the verdict cache: cannot create the workspace")
    assert "Traceback" not in proc.stderr


def test_a_result_json_cannot_hold_is_a_labui_error_not_a_traceback() -> None:
    import io

    from labui.cli.common import EXIT_PROBLEMS, exit_code_for, write_json
    from labui.errors import LabuiError

    out = io.StringIO()
    with pytest.raises(LabuiError, match="cannot be written as JSON") as caught:
        write_json({"leaves": {1, 2}}, out)
    assert exit_code_for(caught.value) == EXIT_PROBLEMS
    assert out.getvalue() == "", "nothing half-written"
