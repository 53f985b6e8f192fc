"""The `labui` command line: everything the app does, headless; one thin module per command group.

Exit codes (the same rule for every command, mapped from the exception tree in `cli.common`):
0 done and nothing wrong; 1 problems found in the content, or the job failed; 2 unusable input (a bad
path, option or file), with a one-line message on stderr; 130 cancelled. Heavy modules are imported
inside the commands so that `labui --help` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TextIO

from labui.cli.common import EXIT_CANCELLED, EXIT_OK, Handler, exit_code_for
from labui.errors import LabuiError, UsageError

# The command groups, in the order of the flow; each module's `register(sub)` adds its parsers.
GROUPS = ("taxonomy", "editing", "coverage")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labui",
        description="labui: a studio for LAB-style synthetic data (taxonomy, coverage, seeds, generation, "
        "review, export).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        importlib.import_module(f"labui.cli.{group}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
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
        return EXIT_OK
