"""What every command module of the CLI shares: exit codes, the handler type, the exception map."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from labui.errors import (
    ConflictError,
    ContentError,
    JobCancelled,
    LabuiError,
    TeacherError,
    UsageError,
    WorkspaceError,
)

if TYPE_CHECKING:
    from labui.taxonomy.model import Taxonomy

EXIT_OK = 0  # done, nothing wrong found
EXIT_PROBLEMS = 1  # problems found in the content, or the job failed (a conflict, a teacher fault)
EXIT_USAGE = 2  # unusable input: a bad path, option or file; nothing was changed
EXIT_CANCELLED = 130  # Ctrl-C / cancelled; what was finished is kept

Handler = Callable[[argparse.Namespace, TextIO], int]
Subparsers = argparse._SubParsersAction

# The one place exception classes become exit codes; the most specific class listed wins (MRO order).
EXIT_CODES: dict[type[LabuiError], int] = {
    UsageError: EXIT_USAGE,
    ContentError: EXIT_PROBLEMS,
    ConflictError: EXIT_PROBLEMS,
    WorkspaceError: EXIT_PROBLEMS,
    TeacherError: EXIT_PROBLEMS,
    JobCancelled: EXIT_CANCELLED,
    LabuiError: EXIT_PROBLEMS,
}


def exit_code_for(exc: LabuiError) -> int:
    """The exit code of a refused command, by the most specific class of `exc` in `EXIT_CODES`."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_PROBLEMS


def write_json(doc: Any, out: TextIO) -> None:
    """`doc` as indented JSON on `out`. A value JSON cannot hold is a LabuiError (one line, exit 1),
    not a traceback, and nothing half-written reaches `out`."""
    try:
        text = json.dumps(doc, indent=2, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise LabuiError(f"the result cannot be written as JSON: {exc}") from exc
    out.write(text)
    out.write("\n")


def stderr_progress() -> Callable[[str, int, int | None], None]:
    """Counts on stderr for big trees: a rewritten line on a terminal, a line every 1,000 otherwise."""
    tty = sys.stderr.isatty()
    last = [-1]

    def progress(stage: str, done: int, total: int | None) -> None:
        if total is not None and total < 1000:
            return
        step = done // 1000
        if step == last[0] and done != total:
            return
        last[0] = step
        what = f"{done:,} leaves found" if stage == "finding" else f"{done:,}/{total:,} leaves loaded"
        sys.stderr.write(f"\rlabui: {what}" if tty else f"labui: {what}\n")
        if tty and stage == "loading" and done == total:
            sys.stderr.write("\n")

    return progress


def load_cached(root: str | os.PathLike[str]) -> Taxonomy:
    """The taxonomy at `root` for a command that needs its leaves: with the verdict cache of its
    workspace (an unchanged leaf is not validated again) and counts on stderr for big trees."""
    from labui.store.verdicts import open_verdicts
    from labui.taxonomy.load import load_taxonomy
    from labui.taxonomy.walk import check_root

    base = check_root(root)
    return load_taxonomy(base, verdicts=open_verdicts(base), progress=stderr_progress())
