"""Problems found in user content: the Diagnostic record and its stable codes.

Code that acts on a diagnostic tests its `code`, never its message text (messages are for people
and may be reworded). `rule` adds detail where a code covers a family (the yamllint rule id).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Every diagnostic code labui reports; the README table is generated from `CODE_HELP`."""

    FILE_REFUSED = "file-refused"
    YAML_ENCODING = "yaml-encoding"
    YAML_SYNTAX = "yaml-syntax"
    YAML_LIMITS = "yaml-limits"
    YAML_EMPTY = "yaml-empty"
    YAML_DUPLICATE_KEY = "yaml-duplicate-key"
    LINT = "lint"
    VERSION = "version"
    SCHEMA_TYPE = "schema-type"
    SCHEMA_REQUIRED = "schema-required"
    SCHEMA_UNKNOWN_KEY = "schema-unknown-key"
    SCHEMA_MIN_ITEMS = "schema-min-items"
    SCHEMA_UNIQUE = "schema-unique"
    SCHEMA_EMPTY = "schema-empty"
    SCHEMA_VALUE = "schema-value"
    TOO_FEW_SEEDS = "too-few-seeds"
    TOO_FEW_QNA = "too-few-qna"
    DUPLICATE_SEED = "duplicate-seed"
    SEED_WORDS = "seed-words"
    CONTEXT_WORDS = "context-words"
    ATTRIBUTION = "attribution"


CODE_HELP: dict[Code, str] = {
    Code.FILE_REFUSED: "not read: not a regular file, a link out of the taxonomy, or over the size cap",
    Code.YAML_ENCODING: "the file is not UTF-8",
    Code.YAML_SYNTAX: "not valid YAML (a tab, an unclosed quote, a bad indent, ...)",
    Code.YAML_LIMITS: "refused before expansion: too many nodes once aliases expand, a recursive alias, "
    "or nesting too deep",
    Code.YAML_EMPTY: "the file is empty (a warning, as upstream)",
    Code.YAML_DUPLICATE_KEY: "a key repeats in one mapping (an error from version 2, a warning in version 1)",
    Code.LINT: "a yamllint problem under the official configuration; `rule` names it",
    Code.VERSION: "the schema version is unknown, or deprecated for this kind of leaf",
    Code.SCHEMA_TYPE: "a value of the wrong type (a list where a string belongs, a top level that is "
    "not a mapping)",
    Code.SCHEMA_REQUIRED: "a required key is missing",
    Code.SCHEMA_UNKNOWN_KEY: "a key the schema does not allow",
    Code.SCHEMA_MIN_ITEMS: "a list shorter than the schema's minimum (other than seeds and Q&A pairs)",
    Code.SCHEMA_UNIQUE: "a list with a repeated item (other than seed examples)",
    Code.SCHEMA_EMPTY: "an empty string where text is required",
    Code.SCHEMA_VALUE: "a value the schema does not accept (a pattern, a constant, a range)",
    Code.TOO_FEW_SEEDS: "fewer seed examples than the schema requires: more seeds fix it",
    Code.TOO_FEW_QNA: "a knowledge seed with fewer Q&A pairs than required: more pairs fix it",
    Code.DUPLICATE_SEED: "a seed example repeats an earlier one",
    Code.SEED_WORDS: "a question and answer over the word guidance (a warning)",
    Code.CONTEXT_WORDS: "a context over the word guidance (a warning)",
    Code.ATTRIBUTION: "attribution.txt missing or empty for a version 2+ leaf (or not readable)",
}

# Codes that adding seed examples or Q&A pairs will clear: an unfinished leaf, not a broken one.
INCOMPLETE_CODES = frozenset({Code.TOO_FEW_SEEDS, Code.TOO_FEW_QNA})


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a file. `line` and `column` are 1-based; `path` is relative to the taxonomy root."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str  # a Code value: stable, what code tests
    message: str  # for people; may be reworded
    source: str  # "file" | "yaml" | "schema" | "yamllint" | "taxonomy": who defines the rule
    rule: str = ""  # detail within a code, e.g. the yamllint rule id or the schema keyword
    yaml_path: str = ""  # dotted path of the value in the document, e.g. "seed_examples.3.question"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": str(self.code),
            "message": self.message,
            "source": self.source,
            "rule": self.rule,
            "yaml_path": self.yaml_path,
        }
