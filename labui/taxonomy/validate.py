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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from labui.taxonomy.diagnostics import Code, Diagnostic, Severity
from labui.taxonomy.schemacheck import canonical, conformance_checker
from labui.taxonomy.yamlsafe import duplicate_keys, locate, parse_yaml
from labui.textutil import plural, words

# A change here that could change a verdict must bump RULES_VERSION in keys.py (the verdict cache key).
SCHEMA_FOLDERS = ("compositional_skills", "knowledge")
YAMLLINT_CONFIG = "{extends: relaxed, rules: {line-length: disable}}"  # instructlab-schema's default
MAX_CONTEXT_WORDS = 500
MAX_QNA_WORDS = 250


@dataclass(slots=True)
class ParsedYaml:
    """What validation learned about a file: its contents (None when unusable) and diagnostics."""

    contents: Any
    version: int
    diagnostics: list[Diagnostic]


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
    from jsonschema.validators import extend

    cls = extend(validator_for(schema), validators={"uniqueItems": _unique_items})
    return cls(schema, registry=registry)


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's `uniqueItems`, by hashing instead of comparing every pair (10,000 seeds: 80 s)."""
    from jsonschema.exceptions import ValidationError

    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        key = canonical(item)
        if key in seen:
            yield ValidationError(f"{instance!r:.200} has non-unique elements")
            return
        seen.add(key)


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
    from labui.taxonomy.fastlint import lint_problems

    out = []
    for problem in lint_problems(text, _yamllint_config()):
        if problem.rule is None:  # yamllint's own syntax error; the parser reported it already
            code, rule = Code.YAML_SYNTAX, "syntax"
        else:
            code = Code.YAML_DUPLICATE_KEY if problem.rule == "key-duplicates" else Code.LINT
            rule = problem.rule
        message = f"{problem.desc} ({rule})" if problem.rule else problem.desc
        out.append(
            Diagnostic(path, problem.line, problem.column, Severity.ERROR, code, message, "yamllint", rule)
        )
    return out


_SEEDS_PATH = ("seed_examples",)


def _is_qna_list(path: tuple[Any, ...]) -> bool:
    return len(path) == 3 and path[0] == "seed_examples" and path[2] == "questions_and_answers"


def _schema_code(err: Any) -> Code:
    """The stable code of a jsonschema error, by keyword and where it is."""
    keyword, where = err.validator, tuple(err.absolute_path)
    if where == ("version",):
        return Code.VERSION
    if keyword == "minItems":
        if where == _SEEDS_PATH:
            return Code.TOO_FEW_SEEDS
        return Code.TOO_FEW_QNA if _is_qna_list(where) else Code.SCHEMA_MIN_ITEMS
    if keyword == "uniqueItems":
        return Code.DUPLICATE_SEED if where == _SEEDS_PATH else Code.SCHEMA_UNIQUE
    return {
        "required": Code.SCHEMA_REQUIRED,
        "unevaluatedProperties": Code.SCHEMA_UNKNOWN_KEY,
        "additionalProperties": Code.SCHEMA_UNKNOWN_KEY,
        "minLength": Code.SCHEMA_EMPTY,
        "type": Code.SCHEMA_TYPE,
    }.get(keyword, Code.SCHEMA_VALUE)


def _schema_message(err: Any) -> tuple[str, list[str | int]]:
    """A plain message for a jsonschema error, and the path below the error's own that the message
    is about (an unexpected key, a repeated item), so the position is the one to fix."""
    where = ".".join(str(p) for p in err.absolute_path) or "the document"
    validator = err.validator
    if validator == "minItems":
        n = len(err.instance) if isinstance(err.instance, list) else 0
        return f"{where} has {plural(n, 'item')}; at least {err.validator_value} are required", []
    if validator == "uniqueItems" and isinstance(err.instance, list):
        seen: dict[str, int] = {}
        for i, item in enumerate(err.instance):
            key = canonical(item)
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


def _version_problem(message: str, node: yaml.Node | None, path: str) -> list[Diagnostic]:
    line, col = locate(node, ["version"])
    return [
        Diagnostic(path, line, col, Severity.ERROR, Code.VERSION, message, "schema", "version", "version")
    ]


def schema_validate(
    contents: Mapping[str, Any], version: int, kind: str, node: yaml.Node | None, path: str
) -> list[Diagnostic]:
    # `version: true` is no version (upstream looks for a folder `vTrue`); it must also never reach the
    # caches below, where True is the same key as 1.
    usable = isinstance(version, int) and not isinstance(version, bool) and version > 0
    schema = _schema_json(version, f"{kind}.json") if usable else None
    if schema is None:
        versions = ", ".join(str(v) for v in supported_versions())
        msg = f"unsupported schema version {contents.get('version')!r}; supported versions: {versions}"
        return _version_problem(msg, node, path)
    if schema.get("deprecated"):
        msg = str(schema.get("description") or f"{kind} schema version {version} is deprecated")
        return _version_problem(msg, node, path)
    # A conforming document needs no errors, so jsonschema is not even imported for it.
    fast = conformance_checker(version, kind)
    if fast is not None and fast(contents):
        return []
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
        code = _schema_code(err)
        out.append(
            Diagnostic(path, line, col, Severity.ERROR, code, message, "schema", str(err.validator), dotted)
        )
    return out


def _unexpected_keys(err: Any) -> list[str | int]:
    # jsonschema says "... ('foo', 'bar' were unexpected)"; the instance tells us which keys exactly.
    props = err.schema.get("properties", {}) if isinstance(err.schema, Mapping) else {}
    if isinstance(err.instance, Mapping):
        return [k for k in err.instance if k not in props and k != "version"]
    return []


def word_counts(contents: Mapping[str, Any], node: yaml.Node | None, path: str) -> list[Diagnostic]:
    """The taxonomy repository's size guidance: warnings, never errors."""
    out: list[Diagnostic] = []

    def warn(where: list[str | int], code: Code, msg: str) -> None:
        line, col = locate(node, where)
        dotted = ".".join(str(p) for p in where)
        out.append(Diagnostic(path, line, col, Severity.WARNING, code, msg, "taxonomy", "word-count", dotted))

    seeds = contents.get("seed_examples")
    if not isinstance(seeds, list):
        return out
    for i, seed in enumerate(seeds):
        if not isinstance(seed, Mapping):
            continue
        n = words(seed.get("context"))
        if n > MAX_CONTEXT_WORDS:
            msg = f"context of seed example {i + 1} has {n} words; keep it under {MAX_CONTEXT_WORDS}"
            warn(["seed_examples", i, "context"], Code.CONTEXT_WORDS, msg)
        pairs: list[tuple[list[str | int], Any]] = []
        qnas = seed.get("questions_and_answers")
        if isinstance(qnas, list):
            pairs = [(["seed_examples", i, "questions_and_answers", j], q) for j, q in enumerate(qnas)]
        else:
            pairs = [(["seed_examples", i], seed)]
        for where, qa in pairs:
            if not isinstance(qa, Mapping):
                continue
            n = words(qa.get("question")) + words(qa.get("answer"))
            if n > MAX_QNA_WORDS:
                label = f"seed example {i + 1}" + (f", Q&A {where[-1] + 1}" if len(where) == 4 else "")  # type: ignore[operator]
                msg = f"question and answer of {label} have {n} words; keep them under {MAX_QNA_WORDS}"
                warn([*where, "question"], Code.SEED_WORDS, msg)
    return out


def attribution_rule(attribution: str | None, version: int, attribution_path: str) -> list[Diagnostic]:
    if version <= 1:
        return []
    if attribution is None:
        msg = "attribution.txt is missing; leaves of version 2 and later need one beside qna.yaml"
    elif not attribution.strip():
        msg = "attribution.txt is empty; give the title, link, license and creator of the work"
    else:
        return []
    return [
        Diagnostic(attribution_path, 1, 1, Severity.ERROR, Code.ATTRIBUTION, msg, "taxonomy", "attribution")
    ]


def validate_text(text: str, path: str, attribution: str | None = None) -> ParsedYaml:
    """Validate the text of a `qna.yaml` at `path` (relative to the taxonomy root, POSIX).

    `attribution` is the text of the `attribution.txt` beside it, or None when there is none.
    Never raises on bad content: every problem is a diagnostic.
    """
    contents, node, diags = parse_yaml(text, path)
    if diags:
        return ParsedYaml(None, 0, diags)
    if not contents:
        # Upstream reports an empty document as a warning, not an error; we agree.
        empty = Diagnostic(
            path, 1, 1, Severity.WARNING, Code.YAML_EMPTY, "the file is empty", "yaml", "empty"
        )
        return ParsedYaml(None, 0, [empty])
    if not isinstance(contents, Mapping):
        msg = "the top level must be a mapping of keys to values (created_by, seed_examples, ...)"
        top = Diagnostic(path, 1, 1, Severity.ERROR, Code.SCHEMA_TYPE, msg, "schema", "type")
        return ParsedYaml(None, 0, [top])
    version = schema_version_of(contents)
    if version > 1:
        diags.extend(lint(text, path))
    else:
        # Upstream does not lint version 1 files, so a duplicate key passes silently (the later value
        # wins). We say so, as a warning, so that the error verdicts still agree.
        for name, key_node in duplicate_keys(node):
            msg = f'duplicate key "{name}": the later value silently replaces the earlier one'
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            diags.append(
                Diagnostic(
                    path, line, col, Severity.WARNING, Code.YAML_DUPLICATE_KEY, msg, "yaml", "key-duplicates"
                )
            )
    kind = schema_kind(path, contents)
    diags.extend(schema_validate(contents, version, kind, node, path))
    diags.extend(word_counts(contents, node, path))
    attribution_path = path.rsplit("/", 1)[0] + "/attribution.txt" if "/" in path else "attribution.txt"
    diags.extend(attribution_rule(attribution, version, attribution_path))
    diags.sort(key=lambda d: (d.path != path, d.line, d.column))
    return ParsedYaml(contents, version, diags)
