"""The validator on small, hand-made texts: every problem is a diagnostic at its true position."""

from __future__ import annotations

from pathlib import Path

import pytest

from labui.taxonomy.validate import Severity, validate_text

PATH = "compositional_skills/writing/demo/qna.yaml"
ATTRIBUTION = "Title of work: demo\nLicense of the work: CC-BY-4.0\n"


def skill(seeds: int = 5, version: int = 3, extra: str = "") -> str:
    body = "".join(
        f"  - question: Question number {i}?\n    answer: Answer number {i}.\n" for i in range(seeds)
    )
    return f"version: {version}\ncreated_by: tester\ntask_description: Answer questions.\n{extra}seed_examples:\n{body}"


def errors(text: str, path: str = PATH, attribution: str | None = ATTRIBUTION) -> list[tuple[int, int, str]]:
    parsed = validate_text(text, path, attribution)
    return [(d.line, d.column, d.message) for d in parsed.diagnostics if d.severity is Severity.ERROR]


def test_valid_skill_has_no_diagnostics() -> None:
    parsed = validate_text(skill(), PATH, ATTRIBUTION)
    assert parsed.diagnostics == []
    assert parsed.version == 3
    assert len(parsed.contents["seed_examples"]) == 5


def test_too_few_seeds_points_at_the_key() -> None:
    ((line, _, message),) = errors(skill(seeds=4))
    assert line == 4  # `seed_examples:` is the fourth line
    assert "4 items" in message and "at least 5" in message


def test_missing_key_is_reported_on_its_mapping() -> None:
    text = skill().replace("created_by: tester\n", "")
    ((line, col, message),) = errors(text)
    assert (line, col) == (1, 1)
    assert "created_by" in message


def test_unknown_key_points_at_the_key_itself() -> None:
    text = skill().replace("    answer: Answer number 2.\n", "    answer: Answer number 2.\n    hint: nope\n")
    ((line, col, message),) = errors(text)
    assert "hint" in message
    assert text.splitlines()[line - 1].strip().startswith("hint:")
    assert col == 5


def test_duplicate_seeds_name_the_repeat() -> None:
    text = skill().replace("number 3", "number 2")
    ((_, _, message),) = errors(text)
    assert "item 4 repeats item 3" in message


def test_syntax_error_has_its_true_line_and_does_not_raise() -> None:
    text = skill().replace("answer: Answer number 1.", 'answer: "unclosed')
    diags = validate_text(text, PATH, ATTRIBUTION).diagnostics
    assert len(diags) == 1 and diags[0].code == "yaml-syntax"
    assert diags[0].line >= 8  # the scanner notices at or after the unclosed quote (line 8)


def test_tab_indentation_is_a_clear_error() -> None:
    text = skill().replace("    answer: Answer number 0.", "\tanswer: Answer number 0.")
    ((line, col, message),) = errors(text)
    assert line == 6 and col == 1
    assert "tab" in message


def test_duplicate_key_v3_is_a_lint_error_at_its_line() -> None:
    text = skill().replace("created_by: tester\n", "created_by: tester\ncreated_by: other\n")
    found = errors(text)
    assert any(line == 3 and "duplicat" in msg for line, _, msg in found)


def test_duplicate_key_v1_is_a_warning_only_like_upstream() -> None:
    text = (
        skill(version=1, seeds=3)
        .replace("version: 1\n", "")
        .replace("created_by: tester\n", "created_by: tester\ncreated_by: other\n")
    )
    parsed = validate_text(text, PATH, None)
    assert [(d.line, d.severity) for d in parsed.diagnostics] == [(2, Severity.WARNING)]


def test_trailing_spaces_are_an_error_in_strict_mode_but_not_for_v1() -> None:
    text = skill().replace("tester\n", "tester  \n")
    ((line, col, message),) = errors(text)
    assert (line, col) == (2, 19) and "trailing-spaces" in message
    v1 = skill(version=1, seeds=3).replace("version: 1\n", "").replace("tester\n", "tester  \n")
    assert errors(v1, attribution=None) == []


def test_empty_file_is_a_warning_like_upstream() -> None:
    for text in ("", "\n\n", "# only a comment\n"):
        parsed = validate_text(text, PATH, ATTRIBUTION)
        assert [(d.severity, d.code) for d in parsed.diagnostics] == [(Severity.WARNING, "yaml-empty")]


def test_top_level_list_is_an_error() -> None:
    ((_, _, message),) = errors("- a\n- b\n")
    assert "mapping" in message


@pytest.mark.parametrize("value", ["7", "0", "three", "true"])
def test_bad_versions_are_errors(value: str) -> None:
    text = skill().replace("version: 3", f"version: {value}")
    assert errors(text), value


def test_deprecated_knowledge_version_points_at_version_line() -> None:
    text = "created_by: x\nversion: 2\ndomain: d\ntask_description: t\nseed_examples: []\ndocument: {}\n"
    found = errors(text, path="knowledge/x/qna.yaml")
    assert any(line == 2 and "Version 2 is not supported" in msg for line, _, msg in found)


def test_knowledge_needs_three_qnas_per_context() -> None:
    seeds = "".join(
        f"  - context: Context number {i}.\n"
        "    questions_and_answers:\n"
        f"      - question: Q{i}a?\n        answer: A{i}a.\n"
        f"      - question: Q{i}b?\n        answer: A{i}b.\n"
        for i in range(5)
    )
    head = "version: 3\ncreated_by: x\ndomain: d\ndocument_outline: o\n"
    doc = "document:\n  repo: https://example.com/r\n  commit: abc\n  patterns:\n    - a.md\n"
    text = head + "seed_examples:\n" + seeds + doc
    found = errors(text, path="knowledge/x/qna.yaml")
    assert len(found) == 5
    assert all("questions_and_answers has 2 items" in m for _, _, m in found)
    lines = text.splitlines()
    assert all(lines[line - 1].strip() == "questions_and_answers:" for line, _, _ in found)


def test_attribution_rules() -> None:
    assert any("attribution.txt is missing" in m for _, _, m in errors(skill(), attribution=None))
    assert any("attribution.txt is empty" in m for _, _, m in errors(skill(), attribution="  \n"))
    v1 = skill(version=1, seeds=3).replace("version: 1\n", "")
    assert errors(v1, attribution=None) == []


def test_word_count_warnings() -> None:
    long_answer = " ".join(["word"] * 260)
    text = skill().replace("answer: Answer number 1.", f"answer: {long_answer}")
    parsed = validate_text(text, PATH, ATTRIBUTION)
    warnings = [d for d in parsed.diagnostics if d.severity is Severity.WARNING]
    assert len(warnings) == 1 and "263 words" in warnings[0].message
    assert not [d for d in parsed.diagnostics if d.severity is Severity.ERROR]


def test_invalid_utf8_file_is_a_diagnostic(tmp_path: Path) -> None:
    from labui.taxonomy import load_taxonomy

    leaf = tmp_path / "compositional_skills" / "bad"
    leaf.mkdir(parents=True)
    (leaf / "qna.yaml").write_bytes(b"created_by: x\ntask_description: caf\xe9\n")
    tx = load_taxonomy(tmp_path)
    (d,) = tx.leaves[0].diagnostics
    assert (d.line, d.column, d.code) == (2, 22, "yaml-encoding")
