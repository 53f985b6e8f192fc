"""Loading every leaf of a taxonomy folder: the batch, workers, progress and cancel.

The walk (walk.py) refuses a folder that does not look like a taxonomy and never leaves the root.
Each leaf is read and validated by read.py (never raising on bad content); verdicts of unchanged
leaves come from a cache keyed by content (verdict.py), and the rest are validated here, in worker
processes for big trees. Long loads report counts through `progress` and stop when `cancel()` turns
true. The taxonomy carries its tree key (keys.py) for the whole-tree report (report.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from labui.errors import JobCancelled, NotATaxonomyError, WorkspaceError
from labui.taxonomy.model import ATTRIBUTION_FILE, LEAF_FILE, Leaf, Taxonomy

# build_leaf, decode and load_leaf lived here before read.py; the editing stage imports them from here.
from labui.taxonomy.read import RawLeaf, build_leaf, decode, load_leaf, raw_leaf, validate_raw
from labui.taxonomy.verdict import VerdictCache, leaf_from_verdict, verdict_json
from labui.taxonomy.walk import Cancel, Progress, TreeFiles, check_root, find_leaves, read_tree

__all__ = [
    "PARALLEL_THRESHOLD",
    "START_METHOD",
    "Cancel",
    "Progress",
    "build_leaf",
    "check_root",
    "decode",
    "find_leaves",
    "fingerprint",
    "load_leaf",
    "load_taxonomy",
    "require_leaves",
]

# Below this many leaves to validate a process pool costs more than it saves (measured in bench/).
PARALLEL_THRESHOLD = 400
# forkserver, not fork: a worker forked from the Streamlit server would inherit its listening socket
# (an orphan then holds the port); forkserver children start from a clean server process.
START_METHOD = "forkserver"
# At most this many leaves per worker task: a cancel then waits only for the few small chunks in
# flight (well under a second), not for a quarter of the tree.
CHUNK_MAX = 32


def require_leaves(taxonomy: Taxonomy) -> Taxonomy:
    """The taxonomy, or NotATaxonomyError when it holds no leaf (the same rule for every command)."""
    if not taxonomy.leaves:
        raise NotATaxonomyError(f"{taxonomy.root} holds no {LEAF_FILE} leaves")
    return taxonomy


def _validate_chunk(raws: list[RawLeaf]) -> list[Leaf]:
    return [validate_raw(r) for r in raws]


def _warm_worker() -> None:
    from labui.taxonomy.validate import warm_up

    warm_up()


def _chunks(items: Sequence[RawLeaf], n: int) -> list[list[RawLeaf]]:
    size = max(1, -(-len(items) // n))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _validate_all(
    raws: list[RawLeaf],
    workers: int | None,
    progress: Progress | None,
    cancel: Cancel | None,
    done0: int,
    total: int,
) -> list[Leaf]:
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if len(raws) >= PARALLEL_THRESHOLD else 1
    out: list[Leaf] = []

    def tick() -> None:
        if cancel is not None and cancel():
            raise JobCancelled(f"cancelled after loading {done0 + len(out):,} of {total:,} leaves")
        if progress is not None:
            progress("loading", done0 + len(out), total)

    if workers <= 1 or len(raws) < 2:
        for i, raw in enumerate(raws):
            out.append(validate_raw(raw))
            if i % 64 == 63:
                tick()
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A few chunks per worker balance uneven leaves.
    ctx = multiprocessing.get_context(START_METHOD)
    chunks = _chunks(raws, max(workers * 4, -(-len(raws) // CHUNK_MAX)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker)
    try:
        futures = [pool.submit(_validate_chunk, c) for c in chunks]
        for fut in futures:
            out.extend(fut.result())
            tick()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # wait: no worker outlives us
        raise
    pool.shutdown(wait=True)
    return out


def load_taxonomy(
    root: str | os.PathLike[str],
    workers: int | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    verdicts: VerdictCache | None = None,
    tree: TreeFiles | None = None,
) -> Taxonomy:
    """Load and validate every leaf under `root`.

    `workers`: processes for validation; None picks by size (1 for small trees, where a pool's
    start-up costs more than it saves). `verdicts`: a cache of verdicts by content; leaves whose key
    is in it are not validated again, and new verdicts are added to it. `tree`: the tree's files
    already read (walk.read_tree), e.g. by a whole-tree report lookup that missed.
    """
    base = check_root(root)
    if tree is None or tree.root != base:
        tree = read_tree(base, progress, cancel)
    total = len(tree.files)
    raws = [raw_leaf(f, r, k) for f, r, k in zip(tree.files, tree.read, tree.keys, strict=True)]
    keys = [r.key for r in raws if r.key]
    cached: dict[str, str] = {}
    if verdicts is not None and keys:
        try:
            cached = verdicts.get_many(keys)
        except WorkspaceError:
            verdicts = None  # the cache only saves time; a broken workspace must not stop a load
    leaves: list[Leaf | None] = []
    misses: list[int] = []
    for i, raw in enumerate(raws):
        verdict = cached.get(raw.key) if raw.key else None
        leaf = leaf_from_verdict(raw, verdict) if verdict is not None else None
        leaves.append(leaf)
        if leaf is None:
            misses.append(i)
    fresh = _validate_all([raws[i] for i in misses], workers, progress, cancel, total - len(misses), total)
    for i, leaf in zip(misses, fresh, strict=True):
        leaves[i] = leaf
    if verdicts is not None:
        rows = [
            (raws[i].key, verdict_json(leaf)) for i, leaf in zip(misses, fresh, strict=True) if raws[i].key
        ]
        if rows:
            with contextlib.suppress(WorkspaceError):
                verdicts.put_many(rows)
    if progress is not None:
        progress("loading", total, total)
    return Taxonomy(base, [leaf for leaf in leaves if leaf is not None], key=tree.key)


def fingerprint(
    root: str | os.PathLike[str], files: Sequence[Path] | None = None
) -> tuple[tuple[str, int, int, int, int], ...]:
    """A cheap key that changes whenever a leaf or attribution file changes (stat only, no reads):
    path, size, mtime, ctime and inode of each (an atomic save makes a new inode; ctime cannot be
    set back). `files`: the leaves `find_leaves(root)` just gave, so that the tree is not walked twice.
    """
    base = check_root(root)
    start = len(str(base)) + 1
    out = []
    for f in find_leaves(base) if files is None else files:
        leaf = str(f)
        for p in (leaf, leaf[: -len(LEAF_FILE)] + ATTRIBUTION_FILE):  # strings: 20k Paths cost 0.1 s
            try:
                st = os.stat(p)
            except OSError:
                continue
            out.append((p[start:], st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return tuple(out)
