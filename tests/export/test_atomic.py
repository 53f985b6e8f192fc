"""An export killed with SIGKILL or cancelled half way leaves the earlier export whole; the next
export cleans up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from labui.errors import JobCancelled
from labui.export.writer import ExportOptions, export_dataset, recover
from labui.store.db import Store
from labui.store.review import decide
from labui.taxonomy import Taxonomy
from tests.export.support import HAIKU, Workspace

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from labui.export.writer import ExportOptions, export_dataset
    from labui.store.db import Store
    from labui.taxonomy import load_taxonomy

    db, tax, out, ready = sys.argv[1:5]
    import labui.export.writer as writer
    writer.PROGRESS_EVERY = 2  # a progress call between rows, so the kill lands mid-write

    def progress(done, total):
        Path(ready).write_text(str(done))  # rows are being written now: the parent kills us here
        time.sleep(60)

    export_dataset(Store(Path(db)), load_taxonomy(tax), Path(out), ExportOptions(batch=2), progress=progress)
    """
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_kill_9_during_an_export_leaves_the_old_export_intact(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    export_dataset(store, taxonomy, out, ExportOptions())
    before = _snapshot(out)
    decide(store, reviewed.ids[HAIKU][4], "accepted", reviewer="ana")  # the next export would differ
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.path), str(taxonomy.root), str(out), str(ready)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the child export never reached its rows"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert _snapshot(out) == before  # the old export, whole
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".export.labui-export-")]
    assert len(leftovers) == 1 and (leftovers[0] / "train.jsonl").exists()  # killed mid-write
    result = export_dataset(store, taxonomy, out, ExportOptions())
    assert result.samples == 10
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export.labui-")]


def test_recover_puts_back_an_export_moved_aside_by_a_killed_swap(tmp_path: Path) -> None:
    out = tmp_path / "export"
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs
    aside = tmp_path / f".export.labui-old-{gone.pid}-0123abcd.tmp"
    aside.mkdir()
    (aside / "train.jsonl").write_text("{}\n")
    mine = tmp_path / f".export.labui-export-{os.getpid()}-0123abcd.tmp"  # a live export's folder
    mine.mkdir()
    recover(out)
    assert (out / "train.jsonl").read_text() == "{}\n" and not aside.exists()
    assert mine.exists()  # never touched: its process is alive


def test_replacing_without_an_atomic_exchange_still_replaces_whole(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import labui.export.writer as writer

    out = tmp_path / "export"
    export_dataset(store, taxonomy, out, ExportOptions())
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)  # a system without renameat2
    decide(store, reviewed.ids[HAIKU][4], "accepted", reviewer="ana")
    assert export_dataset(store, taxonomy, out, ExportOptions(files=("jsonl",))).samples == 10
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "per_leaf.png",
        "quality.json",
        "train.jsonl",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export.")] == []


FULL_DISK_CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from labui.errors import LabuiError
    from labui.export.writer import ExportOptions, export_dataset
    from labui.store.db import Store
    from labui.taxonomy import load_taxonomy

    db, tax, out = sys.argv[1:4]
    store, taxonomy = Store(Path(db)), load_taxonomy(tax)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
    try:
        export_dataset(store, taxonomy, Path(out), ExportOptions())
    except LabuiError as exc:
        print(type(exc).__name__, exc)
        sys.exit(1)
    """
)


def test_a_full_disk_during_an_export_says_so_and_keeps_the_old_export(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    export_dataset(store, taxonomy, out, ExportOptions())
    before = _snapshot(out)
    decide(store, reviewed.ids[HAIKU][4], "accepted", reviewer="ana")
    child = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(store.path), str(taxonomy.root), str(out)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == 1, child.stderr
    assert "Traceback" not in child.stderr
    assert child.stdout.startswith("WorkspaceError") and "the disk is full" in child.stdout, child.stdout
    assert _snapshot(out) == before  # the old export, whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export.labui-")]  # no half export left
    assert export_dataset(store, taxonomy, out, ExportOptions()).samples == 10


@pytest.mark.parametrize("after", [1, 10**9])  # between rows; after every row, at the swap itself
def test_a_cancelled_export_writes_nothing(
    store: Store,
    taxonomy: Taxonomy,
    reviewed: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    after: int,
) -> None:
    import labui.export.writer as writer

    monkeypatch.setattr(writer, "CANCEL_EVERY", 1)
    out = tmp_path / "export"
    export_dataset(store, taxonomy, out, ExportOptions())
    before = _snapshot(out)
    decide(store, reviewed.ids[HAIKU][4], "accepted", reviewer="ana")  # the next export would differ
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) >= after or len(asked) > 18  # 18 rows: the last check is the swap's

    with pytest.raises(JobCancelled, match="nothing was written"):
        export_dataset(store, taxonomy, out, ExportOptions(), cancel=cancel)
    assert _snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export.labui-")]
    assert len(asked) == (1 if after == 1 else 19)
