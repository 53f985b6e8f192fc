"""What every command module of the CLI shares: exit codes, the handler type, the exception map."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any, TextIO

from labui.errors import (
    ConflictError,
    ContentError,
    JobCancelled,
    LabuiError,
    TeacherError,
    UsageError,
    WorkspaceError,
)

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
