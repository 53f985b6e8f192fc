"""yamllint with the official configuration, fast on big files: tokens from libyaml's C scanner.

yamllint scans every file twice in pure Python (once for syntax errors, once for tokens), about
0.5 s per 1,000 seed examples. For a file at or over `FAST_BYTES`, which libyaml has already parsed
without error, labui skips the syntax pass (there is no syntax error to find) and feeds yamllint's
rules the same tokens from the C scanner, with marks that point into the text as the pure-Python
reader's do. The problems are the same (tests compare both paths on every real and golden leaf);
smaller files take yamllint's own path unchanged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import yaml

FAST_BYTES = 64 * 1024
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


@functools.cache
def _install() -> None:
    """Route yamllint's token generator through `_c_token_or_comment_generator` for big buffers.

    Installed once per process; small buffers still go to yamllint's own generator.
    """
    from yamllint import parser

    original = parser.token_or_comment_generator

    def generator(buffer: str) -> Iterator[Any]:
        if len(buffer) >= FAST_BYTES and hasattr(yaml, "CBaseLoader"):
            return _c_token_or_comment_generator(buffer)
        return original(buffer)

    parser.token_or_comment_generator = generator


def lint_problems(text: str, conf: Any, fast_bytes: int = FAST_BYTES) -> list[Any]:
    """yamllint's problems for `text`, which libyaml has parsed without a syntax error."""
    from yamllint import linter

    if len(text) < fast_bytes or not hasattr(yaml, "CBaseLoader"):
        return list(linter.run(text, conf))
    _install()
    if _DISABLE_FILE.match(text.split("\n", 1)[0]):
        return []
    return list(linter.get_cosmetic_problems(text, conf, None))
