"""Validation of one `qna.yaml` with the rules of InstructLab's own tooling, in-process.

The rules are the official ones, not re-typed: the JSON schemas shipped in `instructlab-schema`
(loaded from the package, compiled once per version and kind) and the yamllint configuration
`ilab taxonomy diff` uses, in strict mode (every lint problem is an error; version 1 files are not
linted, as upstream). On top, the taxonomy repository's own rules: a non-empty `attribution.txt`
for version > 1, and word-count warnings (context 500, question + answer 250).

Where the official parser raises (YAML syntax errors) or reports line 1 (schema errors without the
external `yq` binary), this module returns a diagnostic at the true line and column.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

SCHEMA_FOLDERS = ("compositional_skills", "knowledge")
YAMLLINT_CONFIG = "{extends: relaxed, rules: {line-length: disable}}"  # instructlab-schema's default
MAX_CONTEXT_WORDS = 500
MAX_QNA_WORDS = 250

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a file. `line` and `column` are 1-based; `path` is relative to the taxonomy root."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str
    rule: str  # "syntax", "schema", "empty", a yamllint rule id, "attribution", "word-count", ...
    source: str  # "yaml" | "schema" | "yamllint" | "taxonomy": who defines the rule
    yaml_path: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "message": self.message,
            "rule": self.rule,
        }


@dataclass(slots=True)
class ParsedYaml:
    """What validation learned about a file: its contents (None when unusable) and diagnostics."""

    contents: Any
    version: int
    diagnostics: list[Diagnostic]
    root_node: yaml.Node | None


# --------------------------------------------------------------------------------------------------
# Official rule sets, loaded once per process.


@functools.lru_cache(maxsize=1)
def _yamllint_config() -> Any:
    from yamllint.config import YamlLintConfig

    return YamlLintConfig(YAMLLINT_CONFIG)


@functools.cache
def _schema_json(version: int, name: str) -> dict[str, Any] | None:
    from instructlab.schema import schema_base

    res = schema_base().joinpath(f"v{version}", name)
    if not res.is_file():
        return None
    data: dict[str, Any] = json.loads(res.read_text(encoding="utf-8"))
    return data


@functools.cache
def _schema_validator(version: int, kind: str) -> Any:
    """A compiled jsonschema validator for `v{version}/{kind}.json`, with `$ref`s resolved in-package."""
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schema = _schema_json(version, f"{kind}.json")
    if schema is None:
        return None

    # Every schema file of this version, registered and crawled up front: resolving `$ref`s through
    # a retrieve callback re-crawls on each lookup, which cost more than the validation itself.
    from instructlab.schema import schema_base

    resources = []
    for res in schema_base().joinpath(f"v{version}").iterdir():
        if res.name.endswith(".json"):
            contents = json.loads(res.read_text(encoding="utf-8"))
            resources.append(
                (f"./{res.name}", Resource.from_contents(contents, default_specification=DRAFT202012))
            )
            resources.append((res.name, resources[-1][1]))
    registry: Registry = Registry().with_resources(resources).crawl()
    cls = validator_for(schema)
    return cls(schema, registry=registry)


def warm_up() -> None:
    """Import the rule engines and compile the current schemas, e.g. before forking workers."""
    _yamllint_config()
    for version in supported_versions():
        for kind in SCHEMA_FOLDERS:
            schema = _schema_json(version, f"{kind}.json")
            if schema is not None and not schema.get("deprecated"):
                _schema_validator(version, kind)


def supported_versions() -> list[int]:
    from instructlab.schema import schema_versions

    return [int(v.name[1:]) for v in schema_versions()]


def latest_version() -> int:
    return supported_versions()[-1]


# --------------------------------------------------------------------------------------------------
# YAML: parse with positions, never raise.


def _syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[int, int, str]:
    """(line, column, message) for a YAML syntax error, at the place a person has to fix."""
    problem = exc.problem or str(exc)
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and exc.context_mark is not None and exc.context:
        # An unclosed quote or bracket: PyYAML notices at the end of the file; point at the opening.
        what = exc.context.removeprefix("while scanning ").removeprefix("while parsing ")
        mark = exc.context_mark
        message = f"YAML syntax error: {what} that starts here is never closed"
    elif "tab character" in problem or "'\\t'" in problem:
        message = "YAML syntax error: a tab character; YAML indentation must use spaces"
    else:
        message = f"YAML syntax error: {problem}" + (f" ({exc.context})" if exc.context else "")
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return line, col, message


def parse_yaml(text: str, path: str) -> tuple[Any, yaml.Node | None, list[Diagnostic]]:
    """Parse `text` keeping the node tree for positions. Syntax errors become diagnostics."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        contents = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line, col, message = _syntax_problem(exc)
        diag = Diagnostic(path, line, col, Severity.ERROR, message, "syntax", "yaml")
        return None, None, [diag]
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return (
            None,
            None,
            [Diagnostic(path, line, col, Severity.ERROR, f"YAML error: {exc}", "syntax", "yaml")],
        )
    finally:
        loader.dispose()
    return contents, node, []


def locate(node: yaml.Node | None, yaml_path: Sequence[str | int]) -> tuple[int, int]:
    """1-based (line, column) for `yaml_path`: the key's position for a mapping value (so that
    `seed_examples:` is pointed at, not its first item), the item's position for a list item.

    Walks as far as the path exists, so a missing key points at the mapping that lacks it.
    """
    if node is None:
        return 1, 1
    current: yaml.Node = node
    mark = node.start_mark
    for part in yaml_path:
        found: tuple[yaml.Node, yaml.Node] | None = None
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:  # the last duplicate wins, as in the constructed dict
                if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                    found = (k, v)
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            item = current.value[part]
            found = (item, item)
        if found is None:
            break
        mark, current = found[0].start_mark, found[1]
    return mark.line + 1, mark.column + 1


def duplicate_keys(node: yaml.Node | None) -> Iterator[tuple[str, yaml.Node]]:
    """Every mapping key that repeats an earlier key of the same mapping."""
    if node is None:
        return
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        yield k.value, k
                    seen.add(k.value)
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


# --------------------------------------------------------------------------------------------------
# The rules.


def schema_version_of(contents: Mapping[str, Any]) -> int:
    """The schema version the official parser uses for a document (its own fallback rules)."""
    value = contents.get("version", 1)
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1  # the schema then reports the bad type


def schema_kind(rel_path: str, contents: Mapping[str, Any]) -> str:
    """Which schema applies: by top folder, else `knowledge` when a document is given (as upstream)."""
    top = rel_path.split("/", 1)[0]
    if top in SCHEMA_FOLDERS:
        return top
    return "knowledge" if "document" in contents else "compositional_skills"


def lint(text: str, path: str) -> list[Diagnostic]:
    """yamllint with the official configuration; strict: warnings count as errors."""
    from yamllint import linter

    out = []
    for problem in linter.run(text, _yamllint_config()):
        rule = problem.rule or "syntax"
        message = f"{problem.desc} ({rule})" if problem.rule else problem.desc
        out.append(Diagnostic(path, problem.line, problem.column, Severity.ERROR, message, rule, "yamllint"))
    return out


def _schema_message(err: Any) -> tuple[str, list[str | int]]:
    """A plain message for a jsonschema error, and the path below the error's own that the message
    is about (an unexpected key, a repeated item), so the position is the one to fix."""
    where = ".".join(str(p) for p in err.absolute_path) or "the document"
    validator = err.validator
    if validator == "minItems":
        n = len(err.instance) if isinstance(err.instance, list) else 0
        return f"{where} has {n} item{'s' if n != 1 else ''}; at least {err.validator_value} are required", []
    if validator == "uniqueItems" and isinstance(err.instance, list):
        seen: dict[str, int] = {}
        for i, item in enumerate(err.instance):
            key = json.dumps(item, sort_keys=True, default=str)
            if key in seen:
                return f"{where}: item {i + 1} repeats item {seen[key] + 1}; items must be unique", [i]
            seen[key] = i
    if validator == "required":
        return f"{where} is missing the required key {err.message.split(' is a required')[0]}", []
    if validator in ("unevaluatedProperties", "additionalProperties"):
        return f"{where}: {err.message}", list(_unexpected_keys(err)[:1])
    if validator == "minLength":
        return f"{where} must not be empty", []
    if validator == "const":
        return f"{where} must be {err.validator_value!r}, not {err.instance!r}", []
    if validator == "type":
        return f"{where} must be of type {err.validator_value}, not {type(err.instance).__name__}", []
    return f"{where}: {err.message[-200:]}", []


def schema_validate(
    contents: Mapping[str, Any], version: int, kind: str, node: yaml.Node | None, path: str
) -> list[Diagnostic]:
    schema = _schema_json(version, f"{kind}.json") if isinstance(version, int) and version > 0 else None
    if schema is None:
        line, col = locate(node, ["version"])
        versions = ", ".join(str(v) for v in supported_versions())
        msg = f"unsupported schema version {contents.get('version')!r}; supported versions: {versions}"
        return [Diagnostic(path, line, col, Severity.ERROR, msg, "version", "schema", "version")]
    if schema.get("deprecated"):
        line, col = locate(node, ["version"])
        msg = str(schema.get("description") or f"{kind} schema version {version} is deprecated")
        return [Diagnostic(path, line, col, Severity.ERROR, msg, "version", "schema", "version")]
    validator = _schema_validator(version, kind)
    out = []
    errors = list(validator.iter_errors(contents))
    # A value of the wrong type also fails its `const`; saying so twice only adds noise.
    wrong_type = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for err in errors:
        if err.validator == "const" and tuple(err.absolute_path) in wrong_type:
            continue
        message, below = _schema_message(err)
        line, col = locate(node, [*err.absolute_path, *below])
        dotted = ".".join(str(p) for p in err.absolute_path)
        out.append(Diagnostic(path, line, col, Severity.ERROR, message, "schema", "schema", dotted))
    return out


def _unexpected_keys(err: Any) -> list[str | int]:
    # jsonschema says "... ('foo', 'bar' were unexpected)"; the instance tells us which keys exactly.
    props = err.schema.get("properties", {}) if isinstance(err.schema, Mapping) else {}
    if isinstance(err.instance, Mapping):
        return [k for k in err.instance if k not in props and k != "version"]
    return []


def _words(text: Any) -> int:
    return len(text.split()) if isinstance(text, str) else 0


def word_counts(contents: Mapping[str, Any], node: yaml.Node | None, path: str) -> list[Diagnostic]:
    """The taxonomy repository's size guidance: warnings, never errors."""
    out: list[Diagnostic] = []
    seeds = contents.get("seed_examples")
    if not isinstance(seeds, list):
        return out
    for i, seed in enumerate(seeds):
        if not isinstance(seed, Mapping):
            continue
        n = _words(seed.get("context"))
        if n > MAX_CONTEXT_WORDS:
            line, col = locate(node, ["seed_examples", i, "context"])
            msg = f"context of seed example {i + 1} has {n} words; keep it under {MAX_CONTEXT_WORDS}"
            out.append(Diagnostic(path, line, col, Severity.WARNING, msg, "word-count", "taxonomy"))
        pairs: list[tuple[list[str | int], Any]] = []
        qnas = seed.get("questions_and_answers")
        if isinstance(qnas, list):
            pairs = [(["seed_examples", i, "questions_and_answers", j], q) for j, q in enumerate(qnas)]
        else:
            pairs = [(["seed_examples", i], seed)]
        for where, qa in pairs:
            if not isinstance(qa, Mapping):
                continue
            n = _words(qa.get("question")) + _words(qa.get("answer"))
            if n > MAX_QNA_WORDS:
                line, col = locate(node, [*where, "question"])
                label = f"seed example {i + 1}" + (f", Q&A {where[-1] + 1}" if len(where) == 4 else "")  # type: ignore[operator]
                msg = f"question and answer of {label} have {n} words; keep them under {MAX_QNA_WORDS}"
                out.append(Diagnostic(path, line, col, Severity.WARNING, msg, "word-count", "taxonomy"))
    return out


def attribution_rule(attribution: str | None, version: int, attribution_path: str) -> list[Diagnostic]:
    if version <= 1:
        return []
    if attribution is None:
        msg = "attribution.txt is missing; leaves of version 2 and later need one beside qna.yaml"
        return [Diagnostic(attribution_path, 1, 1, Severity.ERROR, msg, "attribution", "taxonomy")]
    if not attribution.strip():
        msg = "attribution.txt is empty; give the title, link, license and creator of the work"
        return [Diagnostic(attribution_path, 1, 1, Severity.ERROR, msg, "attribution", "taxonomy")]
    return []


def validate_text(text: str, path: str, attribution: str | None = None) -> ParsedYaml:
    """Validate the text of a `qna.yaml` at `path` (relative to the taxonomy root, POSIX).

    `attribution` is the text of the `attribution.txt` beside it, or None when there is none.
    Never raises on bad content: every problem is a diagnostic.
    """
    contents, node, diags = parse_yaml(text, path)
    if diags:
        return ParsedYaml(None, 0, diags, None)
    if not contents:
        # Upstream reports an empty document as a warning, not an error; we agree.
        return ParsedYaml(
            None, 0, [Diagnostic(path, 1, 1, Severity.WARNING, "the file is empty", "empty", "yaml")], node
        )
    if not isinstance(contents, Mapping):
        msg = "the top level must be a mapping of keys to values (created_by, seed_examples, ...)"
        return ParsedYaml(None, 0, [Diagnostic(path, 1, 1, Severity.ERROR, msg, "top-level", "schema")], node)
    version = schema_version_of(contents)
    if version > 1:
        diags.extend(lint(text, path))
    else:
        # Upstream does not lint version 1 files, so a duplicate key passes silently (the later value
        # wins). We say so, as a warning, so that the error verdicts still agree.
        for name, key_node in duplicate_keys(node):
            msg = f'duplicate key "{name}": the later value silently replaces the earlier one'
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            diags.append(Diagnostic(path, line, col, Severity.WARNING, msg, "key-duplicates", "yaml"))
    kind = schema_kind(path, contents)
    diags.extend(schema_validate(contents, version, kind, node, path))
    diags.extend(word_counts(contents, node, path))
    attribution_path = path.rsplit("/", 1)[0] + "/attribution.txt" if "/" in path else "attribution.txt"
    diags.extend(attribution_rule(attribution, version, attribution_path))
    diags.sort(key=lambda d: (d.path != path, d.line, d.column))
    return ParsedYaml(contents, version, diags, node)
