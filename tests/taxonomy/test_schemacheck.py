"""The jsonschema-free conformance check agrees with jsonschema on real leaves and on mutants of them.

Validation skips jsonschema when schemacheck says a document conforms, so the two must agree exactly:
on every real leaf, for every schema version and kind, and on a few thousand seeded mutants (keys
deleted or added, values of other types, repeated and truncated lists, odd versions).
"""

from __future__ import annotations

import datetime
import functools
import json
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labui.taxonomy.schemacheck import compile_schema, conformance_checker
from labui.taxonomy.validate import (
    SCHEMA_FOLDERS,
    _schema_validator,
    schema_kind,
    schema_version_of,
    supported_versions,
    validate_text,
)
from labui.taxonomy.yamlsafe import parse_yaml
from tests.conftest import GOLDEN, SAMPLE_TAXONOMY, SHARED_DATA

REAL = SHARED_DATA / "instructlab-taxonomy-2024-07"
COMBOS = [(v, k) for v in supported_versions() for k in SCHEMA_FOLDERS]


@functools.cache
def _documents() -> tuple[tuple[str, Any], ...]:
    """(path relative to its taxonomy, parsed contents) of every leaf we have: real, sample, golden."""
    out = []
    for root in (REAL, SAMPLE_TAXONOMY, *sorted(p for p in GOLDEN.iterdir() if p.is_dir())):
        for f in sorted(root.rglob("qna.yaml")):
            rel = f.relative_to(root).as_posix()
            contents, _node, diags = parse_yaml(f.read_text(encoding="utf-8"), rel)
            if not diags:
                out.append((rel, contents))
    return tuple(out)


def _official_conforms(version: int, kind: str, instance: Any) -> bool:
    """jsonschema's verdict with the validator validation uses (official schemas, our uniqueItems)."""
    return next(iter(_schema_validator(version, kind).iter_errors(instance)), None) is None


def _fast(version: int, kind: str) -> Callable[[Any], bool]:
    check = conformance_checker(version, kind)
    assert check is not None, f"v{version}/{kind}.json left the supported keyword subset"
    return check


def test_every_real_sample_and_golden_leaf_agrees_for_every_schema() -> None:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} is missing")
    docs = _documents()
    assert len(docs) > 148  # the real tree, the sample and the golden cases were all read
    verdicts = set()
    for rel, contents in docs:
        for version, kind in COMBOS:
            fast = _fast(version, kind)(contents)
            assert fast == _official_conforms(version, kind, contents), (rel, version, kind)
            verdicts.add(fast)
    assert verdicts == {True, False}


# --------------------------------------------------------------------------------------------------
# The mutation fuzzer.


def _copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def _replacement(rng: random.Random) -> Any:
    return rng.choice(
        [
            lambda: 1,
            lambda: 1.0,
            lambda: 2.5,
            lambda: True,
            lambda: None,
            lambda: "",
            lambda: "x",
            lambda: [],
            lambda: {},
            lambda: datetime.date(2024, 7, 1),
            lambda: [{"question": "Why?", "answer": "Because."}, {"question": "How?", "answer": "So."}],
            lambda: [{"a": 1}, {"a": 1.0}],
        ]
    )()


def _slots(doc: Any) -> dict[int, list[tuple[Any, Any]]]:
    """Every (container, key or index) in `doc`, by depth."""
    out: dict[int, list[tuple[Any, Any]]] = {}
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for k in keys:
            out.setdefault(depth, []).append((node, k))
            stack.append((node[k], depth + 1))
    return out


def _containers(doc: Any, kind: type) -> list[Any]:
    found = [doc] if isinstance(doc, kind) else []
    for node, k in (s for slots in _slots(doc).values() for s in slots):
        if isinstance(node[k], kind):
            found.append(node[k])
    return found


def _mutate(doc: dict[str, Any], rng: random.Random) -> None:
    what = rng.randrange(6)
    slots = _slots(doc)
    if what == 0:  # delete a key at a random depth
        depth = rng.choice([d for d, s in slots.items() if any(isinstance(n, dict) for n, _ in s)])
        node, key = rng.choice([(n, k) for n, k in slots[depth] if isinstance(n, dict)])
        del node[key]
    elif what == 1:  # a value of another type at a random depth
        node, key = rng.choice(slots[rng.choice(list(slots))])
        node[key] = _replacement(rng)
    elif what == 2 and (lists := [x for x in _containers(doc, list) if x]):
        items = rng.choice(lists)
        items.insert(rng.randrange(len(items) + 1), _copy(rng.choice(items)))
    elif what == 3 and (lists := [x for x in _containers(doc, list) if x]):
        items = rng.choice(lists)
        del items[rng.randrange(len(items)) :]
    elif what == 4:  # an unknown (or misplaced) key at a random mapping
        key = rng.choice(["extra", "Context", "version", "context", "question", 1, True, None])
        rng.choice(_containers(doc, dict))[key] = rng.choice(["x", "", 3])
    else:
        doc["version"] = rng.choice([1, 2, 3, "3", 3.0, True])


def test_seeded_mutants_agree_with_jsonschema() -> None:
    docs = [c for _rel, c in _documents() if isinstance(c, dict)]
    rng = random.Random(20240701)
    outcomes = {True: 0, False: 0}
    for _ in range(5000):
        doc = _copy(rng.choice(docs))
        for _ in range(rng.randint(1, 3)):
            _mutate(doc, rng)
        # The schema the leaf would be validated with (when it has one), and one more at random.
        version = schema_version_of(doc)
        combos = {rng.choice(COMBOS)}
        if type(version) is int and version in supported_versions():
            combos.add((version, schema_kind(rng.choice(["", *SCHEMA_FOLDERS]), doc)))
        for v, k in combos:
            fast = _fast(v, k)(doc)
            assert fast == _official_conforms(v, k, doc), (v, k, json.dumps(doc, default=repr)[:2000])
            outcomes[fast] += 1
    # Both answers are exercised in bulk, or the fuzzer proves little.
    assert min(outcomes.values()) > 300, outcomes


# --------------------------------------------------------------------------------------------------
# The keyword subset, and what falls outside it.


def _no_refs(_ref: str) -> Any:
    return None


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^a"},
        {"type": "object", "properties": {"x": {"type": "string", "format": "email"}}},
        {"type": "object", "additionalProperties": False},
        {"type": "object", "unevaluatedProperties": {"type": "string"}},
        {"type": "array", "items": [{"type": "string"}]},
        {"type": "strange"},
        {"const": [1, 2]},
        {"$ref": "./version.json"},  # nothing to resolve it to
        {"$ref": "#/$defs/x", "$defs": {"x": {}}},
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
        {"minItems": -1},
        {"minLength": True},
    ],
)
def test_a_schema_outside_the_subset_compiles_to_none(schema: dict[str, Any]) -> None:
    assert compile_schema(schema, _no_refs) is None


def test_a_ref_cycle_compiles_to_none() -> None:
    files = {"a.json": {"$ref": "./b.json"}, "b.json": {"$ref": "a.json"}}
    assert compile_schema({"$ref": "a.json"}, lambda ref: files.get(ref.removeprefix("./"))) is None


def test_types_const_and_refs_have_jsonschema_semantics() -> None:
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    files = {
        "base.json": {"properties": {"version": {"type": "integer", "const": 3}}, "$ref": "./more.json"},
        "more.json": {"properties": {"extra": {"type": ["null", "boolean"]}}},
    }
    schema = {
        "$ref": "base.json",
        "type": "object",
        "required": ["n"],
        "unevaluatedProperties": False,
        "properties": {
            "n": {"type": "number"},
            "s": {"type": "string", "minLength": 2},
            "c": {"const": "x"},
            "i": {"type": "integer"},
            "k": {"const": 1},
            "t": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string"}},
        },
    }
    check = compile_schema(schema, lambda ref: files.get(ref.removeprefix("./")))
    assert check is not None
    registry: Registry = Registry().with_resources(
        (name, DRAFT202012.create_resource(body)) for name, body in files.items()
    )
    official = Draft202012Validator(schema, registry=registry)
    values: list[Any] = [
        1,
        1.0,
        2.5,
        True,
        False,
        None,
        "",
        "x",
        "xy",
        "1",
        "3",
        [],
        ["a"],
        ["a", "a"],
        ["a", 1],
        {},
    ]
    values += [3, 3.0, float("nan"), float("inf"), datetime.date(2024, 1, 1), b"x", (1,)]
    for key in ["n", "s", "c", "i", "k", "t", "version", "extra", "other", 1]:
        for value in values:
            for instance in ({"n": 1, key: value}, {key: value}):
                assert check(instance) == official.is_valid(instance), instance
    assert check({"n": 0.5, "version": 3.0, "extra": None, "t": ["a", "b"], "c": "x", "s": "ab"})
    assert not check({"n": 0.5, "version": True})


# --------------------------------------------------------------------------------------------------
# The whole command: no jsonschema for a clean tree, jsonschema's own diagnostic for a broken one.

_RUN = """
import json, sys
from labui.cli import main
with open(sys.argv[2], "w", encoding="utf-8") as out:
    rc = main(["validate", sys.argv[1], "--format", "json"], out=out)
print(json.dumps({"rc": rc, "jsonschema": "jsonschema" in sys.modules}))
"""


def _validate_in_process(root: Path, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, str(root), str(report)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), json.loads(report.read_text(encoding="utf-8"))


def test_validating_the_real_tree_never_imports_jsonschema(real_taxonomy: Path, tmp_path: Path) -> None:
    run, report = _validate_in_process(real_taxonomy, tmp_path)  # a fresh workspace: every leaf validated
    assert report["leaves"] == 148 and run["rc"] == 1  # the two deprecated-version errors
    assert run["jsonschema"] is False


def test_a_schema_error_still_gets_jsonschemas_diagnostic(
    real_taxonomy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sorted((real_taxonomy / "compositional_skills").rglob("qna.yaml"))[0]
    leaf = tmp_path / "tx" / source.parent.relative_to(real_taxonomy)
    shutil.copytree(source.parent, leaf)
    text = source.read_text(encoding="utf-8")
    broken, n = re.subn(r"(?m)^created_by:.*\n", "", text)
    assert n == 1
    (leaf / "qna.yaml").write_text(broken, encoding="utf-8")
    rel = (leaf / "qna.yaml").relative_to(tmp_path / "tx").as_posix()

    run, report = _validate_in_process(tmp_path / "tx", tmp_path)
    assert run == {"rc": 1, "jsonschema": True}
    got = [d for d in report["diagnostics"] if d["path"] == rel]
    error = next(d for d in got if d["severity"] == "error")
    assert error["rule"] == "required"
    assert error["message"] == "the document is missing the required key 'created_by'"

    # Exactly what validation gave before the fast path: the same text with the fast path turned off.
    import labui.taxonomy.validate as validate

    monkeypatch.setattr(validate, "conformance_checker", lambda _v, _k: None)
    attribution = (
        (leaf / "attribution.txt").read_text(encoding="utf-8")
        if (leaf / "attribution.txt").exists()
        else None
    )
    before = validate_text(broken, rel, attribution).diagnostics
    assert got == [d.to_json() for d in before]


V1_SKILL = "created_by: a\ntask_description: t\nseed_examples:\n  - question: q\n    answer: a\n"


@pytest.mark.parametrize("true_first", [True, False])
def test_version_true_is_unsupported_in_either_order(true_first: bool) -> None:
    # True == 1 as a cache key: whichever leaf came first used to decide the other's verdict (a
    # `version: true` leaf made every later version 1 leaf "unsupported"), and once conforming v1
    # leaves stopped compiling the jsonschema validator, the other order crashed.
    code = f"""
import json
from labui.taxonomy.validate import validate_text
leaves = [("x", "version: true\\n" + {V1_SKILL!r}), ("y", {V1_SKILL!r})]
for name, text in leaves if {true_first} else leaves[::-1]:
    errors = [d.message for d in validate_text(text, f"compositional_skills/{{name}}/qna.yaml").diagnostics
              if d.severity.value == "error"]
    print(json.dumps([name, errors]))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = dict(json.loads(line) for line in proc.stdout.splitlines())
    assert got == {"x": ["unsupported schema version True; supported versions: 1, 2, 3"], "y": []}
