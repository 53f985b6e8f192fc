"""Golden cases in tests/data/golden: each names one problem, its true line and severity.

Two checks per case: labui reports exactly the expected problems at the expected positions, and
labui agrees with InstructLab's own parser (strict) on whether the leaf has errors. The taxonomy
repository's rules (attribution.txt, word counts) are not the parser's, so the agreement check
leaves them out; everything else must match.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from labui.taxonomy import Code, Diagnostic, load_taxonomy
from tests.conftest import GOLDEN
from tests.official import official_verdicts

CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.json").is_file())

# What each "about" in expected.json means for a diagnostic.
ABOUT: dict[str, Callable[[Diagnostic], bool]] = {
    "minItems": lambda d: d.code in (Code.TOO_FEW_SEEDS, Code.TOO_FEW_QNA, Code.SCHEMA_MIN_ITEMS),
    "required": lambda d: d.code == Code.SCHEMA_REQUIRED,
    "additionalProperties": lambda d: d.code == Code.SCHEMA_UNKNOWN_KEY,
    "uniqueItems": lambda d: d.code in (Code.DUPLICATE_SEED, Code.SCHEMA_UNIQUE),
    "duplicate key": lambda d: d.code == Code.YAML_DUPLICATE_KEY,
    "version": lambda d: d.code == Code.VERSION,
    "minLength": lambda d: d.code == Code.SCHEMA_EMPTY,
    "type": lambda d: d.code == Code.SCHEMA_TYPE,
    "indentation": lambda d: d.code == Code.LINT and d.rule == "indentation",
    "trailing-spaces": lambda d: d.code == Code.LINT and d.rule == "trailing-spaces",
    "tab": lambda d: d.code == Code.YAML_SYNTAX and "tab" in d.message,
    "syntax": lambda d: d.code == Code.YAML_SYNTAX,
    "empty": lambda d: d.code == Code.YAML_EMPTY,
    "attribution": lambda d: d.code == Code.ATTRIBUTION,
    "word count": lambda d: d.code in (Code.SEED_WORDS, Code.CONTEXT_WORDS),
}


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str) -> None:
    root = GOLDEN / case
    expected = json.loads((root / "expected.json").read_text())
    (leaf,) = load_taxonomy(root).leaves
    found = list(leaf.diagnostics)
    for exp in expected["expect"]:
        matches = [
            d
            for d in found
            if d.line == exp["line"]
            and d.severity.value == exp["severity"]
            and (exp["column"] is None or d.column == exp["column"])
            and ABOUT[exp["about"]](d)
        ]
        assert matches, (
            f"{case}: expected {exp}, got {[(d.line, d.column, d.severity.value, d.message) for d in found]}"
        )
        found.remove(matches[0])
    assert not found, f"{case}: unexpected diagnostics {[(d.line, d.column, d.message) for d in found]}"


@pytest.mark.parametrize("case", CASES)
def test_agrees_with_the_official_parser(case: str) -> None:
    root = GOLDEN / case
    expected = json.loads((root / "expected.json").read_text())
    (official,) = official_verdicts(root).values()
    assert official == expected["official_has_errors"], (
        "expected.json is out of date with the official parser"
    )
    (leaf,) = load_taxonomy(root).leaves
    ours = any(d.severity.value == "error" and d.source != "taxonomy" for d in leaf.diagnostics)
    assert ours == official


def test_files_are_read_from_disk_not_a_cache(tmp_path: Path) -> None:
    """Breaking a valid leaf on disk changes the verdict of both parsers."""
    import shutil

    root = tmp_path / "case"
    shutil.copytree(GOLDEN / "valid_skill_v3", root)
    (qna,) = root.rglob("qna.yaml")
    assert not load_taxonomy(root).errors
    qna.write_text(qna.read_text().replace("seed_examples:", "seed_examples: oops\nbroken:"))
    assert load_taxonomy(root).errors
    assert list(official_verdicts(root).values()) == [True]
