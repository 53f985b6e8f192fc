"""Finding and loading: a folder that is not a taxonomy is refused at once; progress; cancel; workers."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from labui.errors import JobCancelled, NotATaxonomyError
from labui.taxonomy import check_root, load_taxonomy
from tests.taxonomy.conftest import skill_text


@pytest.mark.parametrize("folder", ["/", "/tmp", "~"])
def test_a_folder_that_is_not_a_taxonomy_is_refused_at_once(folder: str) -> None:
    t = time.perf_counter()
    with pytest.raises(NotATaxonomyError, match="does not look like an InstructLab taxonomy"):
        load_taxonomy(folder)
    assert time.perf_counter() - t < 1.0


def test_a_branch_folder_that_is_a_link_does_not_count(tmp_path: Path, real_taxonomy: Path) -> None:
    (tmp_path / "knowledge").symlink_to(real_taxonomy / "knowledge", target_is_directory=True)
    with pytest.raises(NotATaxonomyError):
        check_root(tmp_path)


def _many(make_taxonomy: Callable[[dict[str, str]], Path], n: int) -> Path:
    return make_taxonomy({f"compositional_skills/area/leaf_{i:04}": skill_text() for i in range(n)})


def test_progress_reports_counts_as_it_loads(make_taxonomy: Callable[[dict[str, str]], Path]) -> None:
    root = _many(make_taxonomy, 300)
    seen: list[tuple[str, int, int | None]] = []
    tx = load_taxonomy(root, workers=1, progress=lambda *a: seen.append(a))
    assert len(tx.leaves) == 300
    assert ("finding", 300, 300) in seen and seen[-1] == ("loading", 300, 300)
    loading = [done for stage, done, _ in seen if stage == "loading"]
    assert loading == sorted(loading) and len(set(loading)) > 2, "counts grow while it loads"


def test_cancel_stops_the_load(make_taxonomy: Callable[[dict[str, str]], Path]) -> None:
    root = _many(make_taxonomy, 300)
    calls = [0]

    def cancel() -> bool:
        calls[0] += 1
        return calls[0] > 2

    with pytest.raises(JobCancelled, match="cancelled"):
        load_taxonomy(root, workers=1, cancel=cancel)


def test_workers_do_not_fork_and_leave_no_children(real_taxonomy: Path) -> None:
    serial = load_taxonomy(real_taxonomy, workers=1)
    parallel = load_taxonomy(real_taxonomy, workers=2)
    assert [(leaf.path, leaf.diagnostics, leaf.contents) for leaf in serial.leaves] == [
        (leaf.path, leaf.diagnostics, leaf.contents) for leaf in parallel.leaves
    ]
    assert multiprocessing.active_children() == []
    from labui.taxonomy.load import START_METHOD

    assert START_METHOD in ("forkserver", "spawn"), "a forked worker would inherit the server's socket"
