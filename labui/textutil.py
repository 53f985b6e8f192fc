"""Small text helpers shared by the library and the UI: word counts and plurals (one of each)."""

from __future__ import annotations

from typing import Any


def words(text: Any) -> int:
    """Words in `text` as the taxonomy's size guidance counts them (whitespace-separated); 0 for non-text."""
    return len(text.split()) if isinstance(text, str) else 0


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 seed`, `2 seeds`, `10,000 seeds` (`many` for irregular plurals: plural(n, "leaf", "leaves"))."""
    return f"{n} {word}" if n == 1 else f"{n:,} {many or word + 's'}"
