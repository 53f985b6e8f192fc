"""`labui coverage`: json shape, text output, exit codes, on the real taxonomy and self-instruct tasks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from labui.cli import main
from labui.cli.common import EXIT_OK, EXIT_USAGE

HAIKU = "compositional_skills/writing/freeform/poetry/haiku"


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out), out.getvalue()


@pytest.fixture(scope="module")
def json_doc(real_taxonomy: Path, seed_tasks: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    # Module-scoped: set up before the per-test workspace isolation, so it isolates itself (the
    # shared real taxonomy must never get a .labui/ of ours).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LABUI_WORKSPACE", str(tmp_path_factory.mktemp("cli-ws")))
        return _json_doc(real_taxonomy, seed_tasks)


def _json_doc(real_taxonomy: Path, seed_tasks: Path) -> dict:
    code, text = _run(
        [
            "coverage",
            str(real_taxonomy),
            "--data",
            str(seed_tasks),
            "--text-field",
            "instruction",
            "--format",
            "json",
            "--threshold",
            "0.35",
        ]
    )
    assert code == EXIT_OK
    return json.loads(text)


def test_json_shape(json_doc: dict, seed_tasks: Path) -> None:
    assert {"leaves", "items", "clusters"} <= set(json_doc)
    items = json_doc["items"]
    assert [it["index"] for it in items] == list(range(175))
    for it in items:
        assert set(it) == {"index", "leaf", "top", "similarity", "covered"}
        assert it["leaf"] == it["top"][0] and len(it["top"]) == 3
        assert it["covered"] == (it["similarity"] >= 0.35)
    haiku = next(i for i, line in enumerate(seed_tasks.read_text().splitlines()) if "haiku" in line)
    assert items[haiku]["leaf"] == HAIKU
    leaf = json_doc["leaves"][0]
    assert {"path", "seed_count", "diversity", "demand", "gap", "overlaps"} <= set(leaf)
    assert len(json_doc["leaves"]) == 148
    uncovered = sorted(it["index"] for it in items if not it["covered"])
    assert sorted(i for c in json_doc["clusters"] for i in c["items"]) == uncovered
    for c in json_doc["clusters"]:
        assert {"size", "examples", "key_terms", "nearest_branch", "suggested_path"} <= set(c)
    assert json_doc["device"] in ("cpu", "cuda", "mps")


def test_text_format_same_answers(json_doc: dict, real_taxonomy: Path, seed_tasks: Path) -> None:
    code, text = _run(
        ["coverage", str(real_taxonomy), "--data", str(seed_tasks), "--text-field", "instruction"]
    )
    assert code == EXIT_OK
    covered = sum(it["covered"] for it in json_doc["items"])
    assert f"{covered} of 175 items covered" in text
    assert f"in {len(json_doc['clusters'])} clusters" in text
    assert json_doc["clusters"][0]["suggested_path"] in text


def test_bad_inputs_exit_2(
    real_taxonomy: Path, seed_tasks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "fine"}\nnot json\n')
    cases = [
        (["--data", str(bad), "--text-field", "instruction"], "bad.jsonl:2: not valid JSON"),
        (["--data", str(seed_tasks), "--text-field", "prompt"], "seed_tasks.jsonl:1: no field 'prompt'"),
        (["--data", str(tmp_path / "missing.csv"), "--text-field", "x"], "not found"),
        (["--data", str(seed_tasks), "--threshold", "3"], "--threshold"),
        (["--data", str(seed_tasks), "--device", "tpu"], "unknown device"),
    ]
    for extra, message in cases:
        code, _ = _run(["coverage", str(real_taxonomy), *extra])
        err = capsys.readouterr().err
        assert code == EXIT_USAGE, extra
        # One plain line at the end says what is wrong (progress lines may come before it).
        last = err.strip().splitlines()[-1]
        assert message in last and last.startswith("labui: error:") and "Traceback" not in err, err
    code, _ = _run(["coverage", str(tmp_path / "nowhere"), "--data", str(seed_tasks)])
    assert code == EXIT_USAGE and "taxonomy folder not found" in capsys.readouterr().err


def test_help_lists_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["coverage", "--help"])
    out = capsys.readouterr().out
    assert "--text-field" in out and "--threshold" in out and "--device" in out
