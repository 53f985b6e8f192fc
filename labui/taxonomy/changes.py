"""What changed in the taxonomy since the last commit, like `ilab taxonomy diff`.

Added, modified and deleted leaves compared with git HEAD (untracked leaves count as added), each
with its validation status. Not a git repository (or no git installed) is a plain answer, not an error.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from labui.taxonomy.load import check_root, load_leaf
from labui.taxonomy.model import ATTRIBUTION_FILE, LEAF_FILE
from labui.textutil import plural

_ORDER = {"added": 0, "modified": 1, "deleted": 2}


@dataclass(frozen=True, slots=True)
class Change:
    path: str  # leaf folder relative to the taxonomy root
    change: str  # added | modified | deleted
    status: str  # ok | warning | error | deleted
    errors: int = 0
    warnings: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "change": self.change,
            "status": self.status,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass(slots=True)
class ChangeReport:
    is_git: bool
    message: str
    changes: list[Change] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(c.errors for c in self.changes)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, timeout=60, check=False)


def _z(out: bytes) -> list[str]:
    return [p.decode("utf-8", errors="surrogateescape") for p in out.split(b"\0") if p]


def taxonomy_changes(root: str | os.PathLike[str]) -> ChangeReport:
    base = check_root(root)
    try:
        top = _git(base, "rev-parse", "--show-toplevel")
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return ChangeReport(False, "git is not installed, so changes against HEAD cannot be listed")
    if top.returncode != 0:
        return ChangeReport(False, f"{base} is not in a git repository, so there is no HEAD to compare with")
    repo = Path(top.stdout.decode().strip()).resolve()
    prefix = base.relative_to(repo).as_posix() if base != repo else ""
    spec = prefix or "."
    # Paths below are relative to the repository's top; turn them into paths relative to the root.
    changed: dict[str, str] = {}  # file path (relative to repo) -> A | M | D
    has_head = _git(repo, "rev-parse", "--verify", "-q", "HEAD").returncode == 0
    if has_head:
        diff = _git(repo, "diff", "--name-status", "-z", "--no-renames", "HEAD", "--", spec)
        items = _z(diff.stdout)
        for status, path in zip(items[::2], items[1::2], strict=False):
            changed[path] = status[:1]
    else:
        for path in _z(_git(repo, "ls-files", "-z", "--cached", "--", spec).stdout):
            changed[path] = "A"
    for path in _z(_git(repo, "ls-files", "-z", "--others", "--exclude-standard", "--", spec).stdout):
        changed[path] = "A"

    leaves: dict[str, str] = {}
    for path, status in changed.items():
        rel = path[len(prefix) + 1 :] if prefix else path
        folder, _, name = rel.rpartition("/")
        if name == LEAF_FILE:
            leaves[folder] = {"A": "added", "D": "deleted"}.get(status, "modified")
        elif name == ATTRIBUTION_FILE and folder not in leaves and (base / folder / LEAF_FILE).is_file():
            leaves[folder] = "modified"
    out = []
    for folder, change in leaves.items():
        file = base / folder / LEAF_FILE
        if change == "deleted" or not file.is_file():
            out.append(Change(folder, "deleted", "deleted"))
            continue
        leaf = load_leaf(base, file)
        out.append(Change(folder, change, leaf.status, leaf.errors, leaf.warnings))
    out.sort(key=lambda c: (_ORDER[c.change], c.path))
    what = "HEAD" if has_head else "an empty repository (no commit yet)"
    n = len(out)
    message = (
        f"{plural(n, 'leaf', 'leaves')} changed compared with {what}"
        if n
        else f"no leaf changed since {what}"
    )
    return ChangeReport(True, message, out)
