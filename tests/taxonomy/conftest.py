"""Fixtures of the taxonomy tests: small taxonomies written on the spot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SKILL = """version: 3
task_description: Write a haiku about a topic.
created_by: tester
seed_examples:
{seeds}"""


def skill_text(n: int = 5, question: str = "Write a haiku about item {i}.") -> str:
    seeds = "".join(
        f"  - question: {question.format(i=i)}\n    answer: Item {i} in seventeen syllables.\n"
        for i in range(n)
    )
    return SKILL.format(seeds=seeds)


@pytest.fixture
def make_taxonomy(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write {leaf folder: qna.yaml text} under a new taxonomy root (each with an attribution.txt)."""

    def make(leaves: dict[str, str]) -> Path:
        root = tmp_path / "tx"
        for rel, text in leaves.items():
            folder = root / rel
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "qna.yaml").write_text(text, encoding="utf-8")
            (folder / "attribution.txt").write_text("Title: test\nLicense: CC-BY-4.0\n", encoding="utf-8")
        (root / "compositional_skills").mkdir(parents=True, exist_ok=True)
        return root

    return make
