"""Where a taxonomy's workspace lives, and the `.gitignore` that keeps it out of the user's git.

Light on purpose (no sqlite3): a cached `labui validate` of an unchanged tree needs only the path.
"""

from __future__ import annotations

import os
from pathlib import Path

from labui.errors import WorkspaceError
from labui.fsio import sha256_text, write_fault

WORKSPACE_DIR = ".labui"
GITIGNORE = "# Created by labui: the workspace never enters the taxonomy's git history.\n*\n"


def default_workspace(taxonomy_root: Path) -> Path:
    """`.labui/` beside the taxonomy when writable, else a per-taxonomy folder in the user cache.

    `LABUI_WORKSPACE` overrides both (CI, read-only checkouts, shared machines).
    """
    env = os.environ.get("LABUI_WORKSPACE")
    if env:
        return Path(env).expanduser()
    local = taxonomy_root / WORKSPACE_DIR
    if (local.is_dir() and os.access(local, os.W_OK)) or os.access(taxonomy_root, os.W_OK):
        return local
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "labui" / "workspaces"
    digest = sha256_text(str(taxonomy_root.resolve()))[:16]
    return cache / f"{taxonomy_root.name}-{digest}"


def ignore_workspace(folder: Path) -> None:
    """Write a `.gitignore` holding `*` into the workspace folder (as pytest does for its cache), so
    that `git status` in the user's taxonomy stays clean whatever labui writes there."""
    try:
        with open(folder / ".gitignore", "x", encoding="utf-8") as f:
            f.write(GITIGNORE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise WorkspaceError(f"cannot write {folder / '.gitignore'}: {write_fault(exc)}") from exc
