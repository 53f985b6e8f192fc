"""The CLI's contract: the JSON shapes, exit codes, kill -9 then --resume, and Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from labui.cli import main
from labui.store import samples as db
from labui.store.db import Store
from tests.generate.conftest import MODEL
from tests.generate.scripted import ScriptedServer

HAIKU = "compositional_skills/writing/poetry/haiku"
SOLAR = "knowledge/science/astronomy/solar_system"
SUMMARY_KEYS = {
    "run",
    "status",
    "requested",
    "samples",
    "requests",
    "retries",
    "failures",
    "drops",
    "tokens",
    "seconds",
}


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


def _gen_args(taxonomy: Path, server: ScriptedServer, *extra: str) -> list[str]:
    return [
        "generate",
        str(taxonomy),
        "--teacher-url",
        server.url,
        "--model",
        MODEL,
        "--format",
        "json",
        *extra,
    ]


def test_json_shapes(sample_taxonomy: Path, workspace: Path, scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted()
    code, out = _cli(
        *_gen_args(sample_taxonomy, server, "--leaf", HAIKU, "--leaf", "knowledge", "--num-samples", "2")
    )
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary) == SUMMARY_KEYS
    assert summary["status"] == "finished" and summary["samples"] == summary["requested"] == 6
    assert set(summary["tokens"]) == {"prompt", "completion"} and isinstance(summary["seconds"], float)

    code, out = _cli("runs", str(sample_taxonomy), "--format", "json")
    runs = json.loads(out)["runs"]
    assert code == 0 and len(runs) == 1
    assert set(runs[0]) == {"run", "status", "started_at", "leaves", "requested", "samples"}
    assert (
        runs[0]["leaves"] == 3
        and runs[0]["status"] == "finished"
        and runs[0]["started_at"].endswith("+00:00")
    )

    code, out = _cli("runs", str(sample_taxonomy), str(summary["run"]), "--format", "json")
    one = json.loads(out)
    assert set(one) == SUMMARY_KEYS | {"per_leaf"}
    assert set(one["per_leaf"][HAIKU]) == {"requested", "samples", "drops", "failures"}

    code, out = _cli("samples", str(sample_taxonomy), "--leaf", HAIKU, "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2
    # The issue's keys (review adds its own beside them: flags, decision).
    assert set(lines[0]) >= {
        "id",
        "run",
        "leaf",
        "kind",
        "question",
        "answer",
        "context",
        "status",
        "teacher",
        "seed_ids",
    }
    assert lines[0]["context"] is None and lines[0]["status"] == "new" and lines[0]["teacher"] == MODEL


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--leaf", "nope/leaf", "--num-samples", "1"], "no branch or leaf 'nope/leaf'"),
        (["--leaf", HAIKU, "--num-samples", "0"], "--num-samples must be"),
        (["--leaf", HAIKU], "give --num-samples"),
        (["--resume", "99"], "no run 99"),
    ],
)
def test_unusable_input_exits_2(
    sample_taxonomy: Path,
    workspace: Path,
    scripted: Callable[..., ScriptedServer],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    server = scripted()
    code, _ = _cli(*_gen_args(sample_taxonomy, server, *extra))
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert server.requests == []


def test_unreachable_teacher_exits_2_and_creates_no_run(
    sample_taxonomy: Path, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _cli(
        "generate",
        str(sample_taxonomy),
        "--leaf",
        HAIKU,
        "--num-samples",
        "1",
        "--teacher-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
    )
    assert code == 2 and "cannot reach the teacher" in capsys.readouterr().err
    assert db.list_runs(Store(workspace / "workspace.sqlite")) == []


def test_no_teacher_configured_says_how(
    sample_taxonomy: Path, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = _cli("generate", str(sample_taxonomy), "--leaf", HAIKU, "--num-samples", "1")
    assert code == 2 and "LABUI_TEACHER_URL" in capsys.readouterr().err


def _spawn(taxonomy: Path, server: ScriptedServer, workspace: Path, *extra: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ, LABUI_WORKSPACE=str(workspace), PYTHONPATH=str(Path(__file__).resolve().parents[2])
    )
    return subprocess.Popen(
        [sys.executable, "-m", "labui.cli", *_gen_args(taxonomy, server, *extra)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_samples(store: Store, n: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if sum(1 for _ in db.iter_samples(store)) >= n:
            return
        time.sleep(0.05)
    raise AssertionError("no samples arrived")


def test_kill_9_then_resume_loses_nothing_and_doubles_nothing(
    sample_taxonomy: Path, workspace: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.03)
    store = Store(workspace / "workspace.sqlite")
    proc = _spawn(
        sample_taxonomy,
        server,
        workspace,
        "--leaf",
        HAIKU,
        "--leaf",
        SOLAR,
        "--num-samples",
        "40",
        "--concurrency",
        "4",
    )
    _wait_for_samples(store, 15, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {(s.leaf_path, s.slot): s.answer for s in db.iter_samples(store)}
    code, out = _cli("runs", str(sample_taxonomy), "--format", "json")
    run = json.loads(out)["runs"][0]
    assert run["status"] == "interrupted" and 15 <= run["samples"] < 80

    code, out = _cli(*_gen_args(sample_taxonomy, server, "--resume", str(run["run"])))
    summary = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and summary["status"] == "finished" and summary["samples"] == summary["requested"] == 80
    rows = list(db.iter_samples(store))
    after = {(s.leaf_path, s.slot): s.answer for s in rows}
    assert len(rows) == len(after) == 80  # none twice
    assert all(after[k] == v for k, v in before.items())  # nothing finished was lost or replaced
    sent = {json.loads(s["content"]).get("answer") for s in server.sent}
    assert set(after.values()) <= sent  # every answer is one the server really sent


def test_ctrl_c_cancels_cleanly_with_exit_130(
    sample_taxonomy: Path, workspace: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.05)
    store = Store(workspace / "workspace.sqlite")
    proc = _spawn(
        sample_taxonomy, server, workspace, "--leaf", SOLAR, "--num-samples", "500", "--concurrency", "2"
    )
    _wait_for_samples(store, 3, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "cancelled" and 3 <= summary["samples"] < 500
    assert "Traceback" not in err


def _full_disk_at(limit: int) -> Callable[[], None]:
    """A child whose files cannot grow past `limit` bytes: writes fail as on a full disk (EFBIG,
    with SIGXFSZ ignored so that the write returns an error instead of killing the process)."""
    import resource

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_mid_run_stops_with_a_message_and_resume_finishes(
    sample_taxonomy: Path, workspace: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.01)
    store = Store(workspace / "workspace.sqlite")  # created before the limit: the run fills it
    store.close()
    size = sum(p.stat().st_size for p in workspace.glob("workspace.sqlite*"))
    env = dict(
        os.environ, LABUI_WORKSPACE=str(workspace), PYTHONPATH=str(Path(__file__).resolve().parents[2])
    )
    args = _gen_args(sample_taxonomy, server, "--leaf", SOLAR, "--num-samples", "400", "--concurrency", "2")
    proc = subprocess.run(
        [sys.executable, "-m", "labui.cli", *args],
        env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=_full_disk_at(size + 256 * 1024),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "workspace database" in proc.stderr and "is the disk full" in proc.stderr  # where, and why
    kept = {(s.leaf_path, s.slot): s.answer for s in db.iter_samples(store)}
    assert 0 < len(kept) < 400  # it filled up part-way, and what was written is readable
    code, out = _cli("runs", str(sample_taxonomy), "--format", "json")
    run = json.loads(out)["runs"][0]
    assert run["status"] != "finished"
    code, out = _cli(*_gen_args(sample_taxonomy, server, "--resume", str(run["run"])))
    summary = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and summary["status"] == "finished" and summary["samples"] == 400
    after = {(s.leaf_path, s.slot): s.answer for s in db.iter_samples(store)}
    assert all(after[k] == v for k, v in kept.items())  # nothing kept was lost or replaced
