"""The `labui` command line: everything the app does, headless; one thin module per command group.

Takes: the command's arguments (and the teacher's API key from the environment). Gives: text, or JSON
with `--format json`, on stdout; one-line messages on stderr; an exit code.

Exit codes (the same rule for every command, mapped from the exception tree in `cli.common`):
0 done and nothing wrong; 1 problems found in the content, or the job failed; 2 unusable input (a bad
path, option or file), with a one-line message on stderr; 130 cancelled. Heavy modules are imported
inside the commands so that `labui --help` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from labui.cli.common import EXIT_CANCELLED, EXIT_OK, Handler, exit_code_for
from labui.errors import LabuiError, UsageError

# The command groups, in the order of the flow; each module's `register(sub)` adds its parsers.
GROUPS = ("taxonomy", "editing", "coverage", "cache", "generate", "review", "export")


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size gives it (COLUMNS, then the terminal, then 80)."""
    with contextlib.suppress(ValueError):
        return int(os.environ.get("COLUMNS", ""))
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
    except (OSError, ValueError, AttributeError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width: on its own it imports shutil (with bz2 and lzma) for
    every parser, which costs a cached `labui validate` a twentieth of its time."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=_columns() - 2)


class _Parser(argparse.ArgumentParser):
    """Every parser of the CLI (subcommands are made of the parent's class) with `_Formatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI; with `command`, only the groups up to the one that defines it (a cached
    `labui validate` spends a fifth of its time building parsers it will not use)."""
    parser = _Parser(
        prog="labui",
        description="labui: a studio for LAB-style synthetic data (taxonomy, coverage, seeds, generation, "
        "review, export).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        importlib.import_module(f"labui.cli.{group}").register(sub)
        if command is not None and command in sub.choices:
            break
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words and not words[0].startswith("-") else None)
    args = parser.parse_args(words)
    handler: Handler = args.handler
    try:
        return handler(args, out)
    except LabuiError as exc:
        code = exit_code_for(exc)
        prefix = "labui: error: " if isinstance(exc, UsageError) else "labui: "
        sys.stderr.write(f"{prefix}{exc}\n")
        return code
    except KeyboardInterrupt:
        sys.stderr.write("labui: interrupted\n")
        return EXIT_CANCELLED
    except BrokenPipeError:
        # The reader went away (`labui validate ... | head`): not an error. Point stdout at /dev/null
        # so that the interpreter's final flush does not print a traceback of its own.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
