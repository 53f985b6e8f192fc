"""`labui gates` and `labui review`: the JSON shapes and exit codes the issue pins."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from labui.cli import main
from labui.review.gates import GATES
from labui.store import Store
from labui.store.review import Filter, status_counts
from tests.review.support import LEAF, add_run, add_samples, clean


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


def test_gates_json_shape_and_exit_codes(store: Store, sample_taxonomy: Path, tmp_path: Path) -> None:
    run = add_run(store)
    add_samples(
        store, run, [*clean(5), clean(5)[0], {"question": "Mail?", "answer": "Write to a.b@example.com now."}]
    )
    real = tmp_path / "real.jsonl"
    real.write_text(
        json.dumps({"text": "an unrelated real record about ships"})
        + "\n"
        + json.dumps({"text": "trains run late on mondays in the rain"})
        + "\n"
    )
    code, out = _run(
        [
            "gates",
            str(sample_taxonomy),
            "--run",
            str(run),
            "--real-data",
            str(real),
            "--text-field",
            "text",
            "--format",
            "json",
        ]
    )
    assert code == 1  # problems found
    report = json.loads(out)
    assert set(report) == {"samples", "flagged", "flags", "diversity"}
    assert report["samples"] == 7 and report["flagged"] == 2
    assert report["flags"] == {"exact_duplicate": 1, "pii": 1}
    assert set(report["flags"]) <= set(GATES)
    assert set(report["diversity"][LEAF]) == {"vendi_per_n", "seed_vendi_per_n", "warning"}
    assert 0 < report["diversity"][LEAF]["vendi_per_n"] <= 1


def test_gates_refuse_unusable_input(sample_taxonomy: Path, tmp_path: Path) -> None:
    assert _run(["gates", str(tmp_path / "nope"), "--no-embed"])[0] == 2
    assert _run(["gates", str(sample_taxonomy), "--no-embed"])[0] == 2  # no samples yet
    assert _run(["gates", str(sample_taxonomy), "--text-field", "x", "--no-embed"])[0] == 2
    assert _run(["gates", str(sample_taxonomy), "--near", "1.5", "--no-embed"])[0] == 2
    missing = tmp_path / "missing.jsonl"
    assert _run(["gates", str(sample_taxonomy), "--real-data", str(missing), "--no-embed"])[0] == 2


def test_review_bulk_counts_and_exit_2_when_nothing_changes(
    store: Store, sample_taxonomy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = add_run(store)
    ids = add_samples(store, run, [*clean(4), clean(4)[1]])
    assert _run(["gates", str(sample_taxonomy), "--no-embed"])[0] == 1
    code, out = _run(
        [
            "review",
            str(sample_taxonomy),
            "reject",
            "--flag",
            "exact_duplicate",
            "--reviewer",
            "ana",
            "--reason",
            "dup",
        ]
    )
    assert (code, out) == (0, "rejected 1 sample (action 1; undo in the app)\n")
    code, _ = _run(
        ["review", str(sample_taxonomy), "reject", "--flag", "exact_duplicate", "--reviewer", "ana"]
    )
    assert code == 2
    assert "matches no sample" in capsys.readouterr().err
    code, out = _run(
        ["review", str(sample_taxonomy), "accept", "--run", str(run), "--status", "new", "--format", "json"]
    )
    assert code == 0 and json.loads(out)["changed"] == 4
    code, out = _run(["review", str(sample_taxonomy), "restore", "--ids", str(ids[4]), "--format", "json"])
    assert code == 0 and json.loads(out)["changed"] == 1
    assert status_counts(store, Filter()) == {"new": 1, "accepted": 4, "rejected": 0, "edited": 0}
    assert _run(["review", str(sample_taxonomy), "accept", "--flag", "nonsense"])[0] == 2
    assert _run(["review", str(sample_taxonomy), "accept", "--status", "nonsense"])[0] == 2
    assert "unknown status 'nonsense'" in capsys.readouterr().err
    assert _run(["review", str(sample_taxonomy), "accept", "--ids", "1,x"])[0] == 2


def test_samples_jsonl_carries_flags_and_decision(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    ids = add_samples(store, run, [*clean(3), clean(3)[2]])
    _run(["gates", str(sample_taxonomy), "--no-embed"])
    _run(
        [
            "review",
            str(sample_taxonomy),
            "reject",
            "--ids",
            str(ids[3]),
            "--reviewer",
            "ana",
            "--reason",
            "dup",
        ]
    )
    code, out = _run(["samples", str(sample_taxonomy), "--run", str(run), "--format", "jsonl"])
    assert code == 0
    lines = {rec["id"]: rec for rec in map(json.loads, out.splitlines())}
    dup = lines[ids[3]]
    assert dup["flags"] == [
        {
            "gate": "exact_duplicate",
            "reason": f"duplicate of #{ids[2]} (same text after normalising case, spacing and punctuation)",
            "score": 1.0,
            "other": ids[2],
        }
    ]
    assert {k: dup["decision"][k] for k in ("status", "reviewer", "reason")} == {
        "status": "rejected",
        "reviewer": "ana",
        "reason": "dup",
    }
    assert isinstance(dup["decision"]["at"], float)
    assert lines[ids[0]]["flags"] == [] and lines[ids[0]]["decision"] is None
