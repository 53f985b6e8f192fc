"""What a save would change: a unified diff of the file on disk against the text to be written."""

from __future__ import annotations

import difflib


def unified_diff(old: str | None, new: str, name: str) -> str:
    """A unified diff of the file on disk against what would be written ("" when they are equal)."""
    return "".join(
        difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{name}" if old is not None else "/dev/null",
            tofile=f"b/{name}",
        )
    )
