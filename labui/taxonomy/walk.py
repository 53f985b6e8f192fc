"""The taxonomy's files: is a folder a taxonomy, where are its leaves, and their bytes, read safely.

A folder that does not look like a taxonomy is refused before anything is walked; the walk enters no
folder link, so it never leaves the root. Reading goes through labui.fsio (regular files only, size
cap). Kept light on purpose (no validation, no dataclasses): a cached `labui validate` of an
unchanged tree needs only this, the keys and the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from labui.errors import FileRefusedError, JobCancelled, NotATaxonomyError, UsageError
from labui.fsio import read_bytes_capped
from labui.taxonomy.keys import tree_key, verdict_key

LEAF_FILE = "qna.yaml"
ATTRIBUTION_FILE = "attribution.txt"
BRANCHES = ("compositional_skills", "foundational_skills", "knowledge")

# progress(stage, done, total): stage "finding" (total None: still walking) or "loading".
Progress = Callable[[str, int, int | None], None]
Cancel = Callable[[], bool]


def check_root(root: str | os.PathLike[str]) -> Path:
    """The resolved taxonomy folder, or a UsageError saying why it cannot be one.

    A folder with none of the InstructLab branch folders at its root (`/`, /tmp, a home folder) is
    refused at once (NotATaxonomyError), before anything below it is walked.
    """
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"taxonomy folder not found: {path}")
    if not path.is_dir():
        raise UsageError(f"not a folder: {path}")
    path = path.resolve()
    if not any((path / b).is_dir() and not (path / b).is_symlink() for b in BRANCHES):
        raise NotATaxonomyError(
            f"{path} does not look like an InstructLab taxonomy: it has none of the folders "
            f"{', '.join(BRANCHES)} at its root"
        )
    return path


def find_leaves(root: Path, progress: Progress | None = None, cancel: Cancel | None = None) -> list[Path]:
    """Every `qna.yaml` under root, sorted. Hidden folders (.git, .labui) and folder links are not
    entered, so the walk never leaves the root; a `qna.yaml` that is not a regular file is still
    listed (reading it gives its diagnostic)."""
    found: list[str] = []
    # Depth first with sorted children: the order of sorted paths. scandir's entry types need no
    # extra system call per folder (os.walk's link check costs one: 10k folders, 60 ms).
    stack = [str(root)]
    seen_dirs = 0
    while stack:
        top = stack.pop()
        prefix = top if top.endswith("/") else top + "/"  # "/" itself: no "//" paths
        subdirs: list[str] = []
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    name = entry.name
                    if name == LEAF_FILE:
                        if not entry.is_dir():
                            found.append(prefix + LEAF_FILE)
                    elif not name.startswith(".") and entry.is_dir(follow_symlinks=False):
                        subdirs.append(name)
        except OSError:
            pass  # unreadable folder: nothing below it is listed (as os.walk does)
        stack.extend(prefix + d for d in sorted(subdirs, reverse=True))
        seen_dirs += 1
        if seen_dirs % 256 == 0:
            if cancel is not None and cancel():
                raise JobCancelled(f"cancelled while looking for leaves ({len(found):,} found)")
            if progress is not None:
                progress("finding", len(found), None)
    if progress is not None:
        progress("finding", len(found), len(found))
    return [Path(p) for p in found]


def rel_dir_of(root: Path, file: Path) -> str:
    """A leaf's place: its folder relative to the root, POSIX, "" for the root itself."""
    rel = file.parent.relative_to(root).as_posix()
    return "" if rel == "." else rel


class LeafFiles(NamedTuple):
    """A leaf's files as read. A refused or unreadable file has its exception instead of content:
    `data` None with `problem` set; `attribution` "" with `attribution_problem` set (present but
    unreadable, which is not "missing": None)."""

    rel_dir: str
    data: bytes | None
    problem: FileRefusedError | OSError | None
    attribution: str | None
    attribution_problem: FileRefusedError | OSError | None


def read_leaf_files(root: Path, file: Path, walked: bool = False) -> LeafFiles:
    """Read one leaf's `qna.yaml` and `attribution.txt`; never raises for a refused file.

    `walked`: `file` came from `find_leaves(root)`, which enters no folder link (see fsio).
    """
    folder = file.parent
    attribution: str | None = None
    att_problem: FileRefusedError | OSError | None = None
    try:
        attribution = read_bytes_capped(folder / ATTRIBUTION_FILE, root=root, walked=walked).decode(
            "utf-8", "replace"
        )
    except FileNotFoundError:
        pass
    except (FileRefusedError, OSError) as exc:
        attribution, att_problem = "", exc
    data: bytes | None = None
    problem: FileRefusedError | OSError | None = None
    try:
        data = read_bytes_capped(file, root=root, walked=walked)
    except (FileRefusedError, OSError) as exc:
        problem = exc
    return LeafFiles(rel_dir_of(root, file), data, problem, attribution, att_problem)


class TreeFiles(NamedTuple):
    """Every leaf of a tree, read and keyed: `keys[i]` is "" for a leaf with a refused file (never
    cached), and `key` (the whole tree's) is "" when any leaf's is."""

    root: Path
    files: list[Path]
    read: list[LeafFiles]
    keys: list[str]
    key: str


def read_tree(
    root: Path,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    files: list[Path] | None = None,
) -> TreeFiles:
    """Find, read and key every leaf under `root` (which has passed `check_root`), with progress
    ("loading", 0, total) and a cancel check every 256 leaves. `files`: the leaves `find_leaves`
    just gave (the app walks first to key its cache), so that the tree is not walked twice."""
    files = find_leaves(root, progress, cancel) if files is None else files
    total = len(files)
    read: list[LeafFiles] = []
    keys: list[str] = []
    for i, file in enumerate(files):
        leaf = read_leaf_files(root, file, walked=True)
        read.append(leaf)
        # A refusal depends on what the file is, not on its bytes: never cached.
        refused = leaf.data is None or leaf.attribution_problem is not None
        keys.append("" if refused else verdict_key(leaf.rel_dir, leaf.data or b"", leaf.attribution))
        if i % 256 == 255:
            if cancel is not None and cancel():
                raise JobCancelled(f"cancelled after reading {i + 1:,} of {total:,} leaves")
            if progress is not None:
                progress("loading", 0, total)
    key = tree_key(keys) if keys and all(keys) else ""
    return TreeFiles(root, files, read, keys, key)
