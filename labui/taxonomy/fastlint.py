"""yamllint with the official configuration, fast: its rules fed tokens from libyaml's C scanner.

yamllint scans every file twice in pure Python (once for syntax errors, once for tokens): about
0.5 s per 1,000 seed examples, and 4 ms for a typical 5 kB leaf. labui lints only text that libyaml
has already parsed without error, so it skips the syntax pass (there is no syntax error to find) and
feeds yamllint's rules the same tokens from the C scanner, with marks that point into the text as
the pure-Python reader's do. The problems are the same (tests compare both paths on every real,
sample and golden leaf); it is 1.8x faster on the real taxonomy's small files and 5x on big ones.
`fast_bytes` keeps yamllint's own path for texts under it (tests; without libyaml, always).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any

import yaml

FAST_BYTES = 0  # every size: measured faster from the smallest real leaf up
_DISABLE_FILE = re.compile(r"^#\s*yamllint disable-file\s*$")


def _c_marks(token: Any, buffer: str) -> Any:
    if token.start_mark.buffer is None:  # a peeked token comes back from get_token: mark it once
        m, e = token.start_mark, token.end_mark
        token.start_mark = yaml.Mark(m.name, m.index, m.line, m.column, buffer, m.index)
        token.end_mark = yaml.Mark(e.name, e.index, e.line, e.column, buffer, e.index)
    return token


def _c_token_or_comment_generator(buffer: str) -> Iterator[Any]:
    """yamllint.parser.token_or_comment_generator, with libyaml's scanner."""
    from yamllint.parser import Token, comments_between_tokens

    padded = buffer + "\0"  # as the pure-Python reader holds it
    loader = yaml.CBaseLoader(buffer)
    try:
        prev = None
        curr = _c_marks(loader.get_token(), padded)
        while curr is not None:
            nxt = loader.get_token()
            nxt = _c_marks(nxt, padded) if nxt is not None else None
            nextnext = _c_marks(loader.peek_token(), padded) if loader.check_token() else None
            yield Token(curr.start_mark.line + 1, curr, prev, nxt, nextnext)
            yield from comments_between_tokens(curr, nxt)
            prev, curr = curr, nxt
    except yaml.scanner.ScannerError:
        pass
    finally:
        loader.dispose()


# yamllint's rules take their tokens from `parser.token_or_comment_generator`, a module global: it
# is swapped for the C scanner only while labui lints (under a lock, so concurrent lints in the app's
# threads never see it half-swapped), so yamllint used by anyone else in the process (the official
# parser, in tests and benchmarks) keeps its own scanner.
_SWAP = threading.Lock()


@contextlib.contextmanager
def _c_tokens() -> Iterator[None]:
    from yamllint import parser

    with _SWAP:
        original = parser.token_or_comment_generator
        parser.token_or_comment_generator = _c_token_or_comment_generator
        try:
            yield
        finally:
            parser.token_or_comment_generator = original


def lint_problems(text: str, conf: Any, fast_bytes: int = FAST_BYTES) -> list[Any]:
    """yamllint's problems for `text`, which libyaml has parsed without a syntax error."""
    from yamllint import linter

    if len(text) < fast_bytes or not hasattr(yaml, "CBaseLoader"):
        return list(linter.run(text, conf))
    if _DISABLE_FILE.match(text.split("\n", 1)[0]):
        return []
    with _c_tokens():
        return list(linter.get_cosmetic_problems(text, conf, None))
