"""Leaf paths a curator types: checked before anything is read or written.

A leaf path is a folder relative to the taxonomy root, under one of its top-level branches, e.g.
`compositional_skills/writing/poetry/haiku`. New folders must be named with lowercase letters,
digits and underscores (the community taxonomy's convention); folders that already exist are
accepted as they are (the July 2024 tree has `compositional_skills/STEM/...`), as long as they are
real folders inside the tree. `..`, absolute paths, symbolic links and odd characters are refused
with a message that says what to type instead.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from labui.errors import UsageError
from labui.taxonomy.model import ATTRIBUTION_FILE, BRANCHES, LEAF_FILE

NEW_NAME = re.compile(r"[a-z0-9_]+")
# Existing folders: anything printable without separators, quotes or shell metacharacters.
EXISTING_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class LeafLocation:
    """A checked leaf path: `path` relative (POSIX), `folder` absolute, and whether the leaf exists."""

    root: Path
    path: str
    folder: Path

    @property
    def file(self) -> Path:
        return self.folder / LEAF_FILE

    @property
    def attribution_file(self) -> Path:
        return self.folder / ATTRIBUTION_FILE

    @property
    def rel_file(self) -> str:
        return f"{self.path}/{LEAF_FILE}"

    @property
    def exists(self) -> bool:
        return self.file.is_file()


def _show(text: str) -> str:
    return ascii(text) if not text.isprintable() else repr(text)


def normalise(leaf_path: str) -> list[str]:
    """Split a typed leaf path into folder names, refusing anything that could leave the tree."""
    raw = leaf_path.strip()
    if not raw:
        raise UsageError("the leaf path is empty; give a folder such as compositional_skills/writing/haiku")
    if "\\" in raw:
        raise UsageError(f"leaf path {_show(leaf_path)} contains a backslash; separate folders with /")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or raw.startswith("~"):
        raise UsageError(
            f"leaf path {_show(leaf_path)} is absolute; give it relative to the taxonomy root, "
            "e.g. compositional_skills/writing/haiku"
        )
    parts = raw.split("/")
    if parts and parts[-1] == LEAF_FILE:  # `.../qna.yaml` is a friendly way to name the leaf too
        parts = parts[:-1]
    while parts and parts[-1] == "":
        parts = parts[:-1]
    for part in parts:
        if part in ("..", "."):
            raise UsageError(
                f"leaf path {_show(leaf_path)} contains {part!r}; it must stay inside the taxonomy"
            )
        if part == "":
            raise UsageError(f"leaf path {_show(leaf_path)} has an empty folder name (two / in a row)")
    if not parts or parts[0] not in BRANCHES:
        raise UsageError(
            f"leaf path {_show(leaf_path)} must start with one of the taxonomy branches: {', '.join(BRANCHES)}"
        )
    if len(parts) < 2:
        raise UsageError(
            f"leaf path {_show(leaf_path)} names a branch, not a leaf: add at least one folder below it"
        )
    return parts


def check_leaf_path(root: Path, leaf_path: str) -> LeafLocation:
    """Check `leaf_path` against the tree at `root` (which must exist). Raises UsageError, changes nothing."""
    if not root.is_dir():
        raise UsageError(f"taxonomy folder not found: {root}")
    base = root.resolve()
    parts = normalise(leaf_path)
    current = base
    for i, part in enumerate(parts):
        if not EXISTING_NAME.fullmatch(part) or len(part) > MAX_NAME:
            raise UsageError(_bad_name(part, leaf_path))
        candidate = current / part
        try:
            st = candidate.lstat()
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise UsageError(f"cannot read {candidate}: {exc.strerror}") from None
        if st is not None and stat.S_ISLNK(st.st_mode):
            raise UsageError(
                f"{'/'.join(parts[: i + 1])} is a symbolic link; labui only writes to real folders inside the taxonomy"
            )
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{'/'.join(parts[: i + 1])} exists and is not a folder")
        ok = NEW_NAME.fullmatch(part) if st is None else EXISTING_NAME.fullmatch(part)
        if not ok:
            raise UsageError(_bad_name(part, leaf_path))
        current = candidate
    # Belt and braces: whatever the checks above missed, the real location must be under the root.
    real = Path(os.path.realpath(current))
    if real != current and not real.is_relative_to(base):
        raise UsageError(f"leaf path {_show(leaf_path)} resolves outside the taxonomy")
    loc = LeafLocation(base, "/".join(parts), current)
    for f in (loc.file, loc.attribution_file):
        if f.is_symlink():
            raise UsageError(
                f"{f.relative_to(base).as_posix()} is a symbolic link; labui does not write through links"
            )
        if f.exists() and not f.is_file():
            raise UsageError(f"{f.relative_to(base).as_posix()} exists and is not a file")
    return loc


def _bad_name(part: str, leaf_path: str) -> str:
    return (
        f"folder name {_show(part)} in leaf path {_show(leaf_path)} is not allowed: use lowercase letters, "
        f"digits and underscores (at most {MAX_NAME} characters), e.g. {_suggest(part)[:MAX_NAME]!r}"
    )


def _suggest(name: str) -> str:
    out = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    return out or "my_leaf"
