"""The fast lint path (libyaml's tokens) finds exactly what yamllint's own path finds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yamllint import linter

from labui.taxonomy import fastlint
from labui.taxonomy.validate import _yamllint_config
from tests.conftest import GOLDEN, SAMPLE_TAXONOMY

# Unicode before problems (marks count characters), comments, flow and block styles, lint problems.
AWKWARD = """version: 3
task_description: 'Über-naïve — 日本語 text'   # a comment with é
created_by: tester
seed_examples:
  - question: "Ça va?"TRAIL
    answer: |
      Line one — ✓
      Line two
  - {question: x,   answer: y}
  -   question: badly indented
      answer: z
# trailing comment
""".replace("TRAIL", "     ")  # trailing spaces, a lint problem


def _problems(text: str, fast: bool) -> list[tuple[int, int, str | None, str]]:
    conf = _yamllint_config()
    found = fastlint.lint_problems(text, conf, fast_bytes=0) if fast else list(linter.run(text, conf))
    return [(p.line, p.column, p.rule, p.desc) for p in found]


def _texts(real_taxonomy: Path) -> list[str]:
    files = [*real_taxonomy.rglob("qna.yaml"), *SAMPLE_TAXONOMY.rglob("qna.yaml"), *GOLDEN.rglob("qna.yaml")]
    out = [AWKWARD, AWKWARD * 1 + "\n".join(f"  - question: q{i}\n    answer: a{i}" for i in range(3000))]
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        try:
            yaml.load(text, Loader=yaml.CSafeLoader)  # the fast path is only taken after a clean parse
        except yaml.YAMLError:
            continue
        out.append(text)
    return out


def test_both_paths_find_the_same_problems(real_taxonomy: Path) -> None:
    texts = _texts(real_taxonomy)
    assert len(texts) > 150
    with_problems = 0
    for text in texts:
        slow = _problems(text, fast=False)
        with_problems += bool(slow)
        assert _problems(text, fast=True) == slow
    assert with_problems >= 5, "the comparison covers files that do have lint problems"


@pytest.mark.parametrize("size", [100, 5000])
def test_any_size_gives_yamllints_problems(size: int) -> None:
    text = AWKWARD + "\n".join(f"  - question: q{i}\n    answer: a{i}" for i in range(size)) + "\n"
    assert _problems(text, fast=True) == _problems(text, fast=False)


def test_yamllint_keeps_its_own_scanner_for_everyone_else() -> None:
    """The C scanner is lent to yamllint only while labui lints: the official parser, run in the
    same process (tests, benchmarks), must lint with yamllint's own code."""
    from yamllint import parser

    original = parser.token_or_comment_generator
    assert _problems(AWKWARD, fast=True)
    assert parser.token_or_comment_generator is original
