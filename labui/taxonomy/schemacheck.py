"""Does a document conform to an instructlab-schema JSON schema: a yes/no answer without jsonschema.

Validation asks jsonschema only when this says no (or cannot say): a conforming leaf then costs
neither jsonschema's import (~35 ms) nor its registry and error machinery, and a failing one gets
jsonschema's own errors and messages as before. So "yes" must be exact, with jsonschema's semantics
(draft 2020-12, with our hashing `uniqueItems`), for the keyword subset the official schemas use:
`type`, `properties`, `required`, `unevaluatedProperties: false`, `items`, `minItems`, `minLength`,
`uniqueItems`, scalar `const`, and `$ref` to a sibling file of the same version. Any other keyword
(or a `$ref` it cannot resolve) compiles to None, and the caller uses jsonschema: a future schema
version with new keywords stays correct, only slower.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
Resolve = Callable[[str], Any]  # a `$ref` -> the schema it names, or None

# Keywords that assert nothing (deprecation is handled by the caller, before any schema check).
_ANNOTATIONS = frozenset({"description", "title", "examples", "$comment", "deprecated", "default"})
_ASSERTIONS = frozenset(
    {
        "type",
        "properties",
        "required",
        "unevaluatedProperties",
        "items",
        "minItems",
        "minLength",
        "uniqueItems",
        "const",
        "$ref",
        "$schema",
    }
)
_KNOWN = _ANNOTATIONS | _ASSERTIONS
# jsonschema picks its draft from `$schema` and defaults to 2020-12; only that one is modelled here.
_DRAFT_2020_12 = (
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
)
_SIBLING = re.compile(r"(?:\./)?([A-Za-z0-9_][A-Za-z0-9_.-]*\.json)")
_SCALARS = (type(None), bool, int, float, str)


def canonical(value: Any) -> str:
    """One string per JSON value up to equality as jsonschema defines it (1 == 1.0, True != 1)."""

    def norm(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, Mapping):
            return {str(k): norm(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), sort_keys=True, default=repr)


# jsonschema's type checker for draft 2020-12 (jsonschema/_types.py), one predicate per name.
def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: not isinstance(v, bool) and isinstance(v, numbers.Number),
    "integer": _is_integer,
}


class _Unsupported(Exception):
    """The schema uses something this module does not model; jsonschema must decide."""


def _always(_v: Any) -> bool:
    return True


def _never(_v: Any) -> bool:
    return False


def compile_schema(schema: Any, resolve: Resolve) -> Check | None:
    """A predicate "conforms to `schema`", or None when the schema is outside the supported subset."""
    try:
        check = _Compiler(resolve).compile(schema, ())
    except _Unsupported:
        return None

    def conforms(instance: Any) -> bool:
        # Anything unexpected (a value canonical cannot write, say) is a "don't know": jsonschema decides.
        try:
            return check(instance)
        except Exception:
            return False

    return conforms


@functools.cache
def conformance_checker(version: int, kind: str) -> Check | None:
    """The compiled predicate for `v{version}/{kind}.json` of instructlab-schema (None: use jsonschema)."""
    from labui.taxonomy.validate import _schema_json  # the one loader of the schema files

    schema = _schema_json(version, f"{kind}.json")
    if schema is None:
        return None

    def resolve(ref: str) -> Any:
        match = _SIBLING.fullmatch(ref)
        return _schema_json(version, match.group(1)) if match else None

    return compile_schema(schema, resolve)


class _Compiler:
    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve

    def _target(self, ref: Any, refs: tuple[str, ...]) -> Any:
        if not isinstance(ref, str) or ref in refs:  # a `$ref` cycle: leave it to jsonschema
            raise _Unsupported(ref)
        target = self.resolve(ref)
        if target is None:
            raise _Unsupported(ref)
        return target

    def evaluated(self, schema: Any, refs: tuple[str, ...]) -> frozenset[str]:
        """Property names `unevaluatedProperties` counts as evaluated: those of `properties` here and
        in the schemas reached through `$ref`, recursively (jsonschema's
        find_evaluated_property_keys_by_schema, for this keyword subset)."""
        if not isinstance(schema, dict):
            return frozenset()
        names = frozenset(schema.get("properties", {}))
        ref = schema.get("$ref")
        if ref is not None:
            names |= self.evaluated(self._target(ref, refs), (*refs, ref))
        return names

    def compile(self, schema: Any, refs: tuple[str, ...]) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict) or not schema.keys() <= _KNOWN:
            raise _Unsupported(schema)
        if "$schema" in schema and schema["$schema"] not in _DRAFT_2020_12:
            raise _Unsupported(schema["$schema"])
        checks: list[Check] = []
        if "type" in schema:
            checks.append(self._type(schema["type"]))
        if "const" in schema:
            checks.append(self._const(schema["const"]))
        if "$ref" in schema:
            ref = schema["$ref"]
            checks.append(self.compile(self._target(ref, refs), (*refs, ref)))
        obj = self._object(schema, refs)
        if obj is not None:
            checks.append(obj)
        arr = self._array(schema, refs)
        if arr is not None:
            checks.append(arr)
        if "minLength" in schema:
            checks.append(self._min_length(schema["minLength"]))
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        chain = tuple(checks)
        return lambda v: all(check(v) for check in chain)

    def _type(self, value: Any) -> Check:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) and n in _TYPES for n in names):
            raise _Unsupported(value)  # jsonschema raises UnknownType on a name it does not know
        preds = tuple(_TYPES[n] for n in names)
        if len(preds) == 1:
            return preds[0]
        return lambda v: any(pred(v) for pred in preds)

    def _const(self, value: Any) -> Check:
        # Canonical equality is jsonschema's `equal` for scalars on both sides; NaN is never equal to
        # itself there, and a container const is not worth modelling.
        if not isinstance(value, _SCALARS) or (isinstance(value, float) and not math.isfinite(value)):
            raise _Unsupported(value)
        want = canonical(value)
        return lambda v: isinstance(v, _SCALARS) and canonical(v) == want

    def _object(self, schema: dict[str, Any], refs: tuple[str, ...]) -> Check | None:
        props = schema.get("properties", {})
        required = schema.get("required", [])
        closed = "unevaluatedProperties" in schema
        if not isinstance(props, dict) or not isinstance(required, list):
            raise _Unsupported(schema)
        if not all(isinstance(r, str) for r in required):
            raise _Unsupported(required)
        if closed and schema["unevaluatedProperties"] is not False:
            raise _Unsupported(schema["unevaluatedProperties"])
        if not props and not required and not closed:
            return None
        subs = tuple((name, self.compile(sub, refs)) for name, sub in props.items())
        need = tuple(required)
        allowed = self.evaluated(schema, refs) if closed else frozenset()

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True  # these keywords ignore other types
            for name in need:
                if name not in v:
                    return False
            if closed:
                for key in v:
                    if key not in allowed:
                        return False
            return all(sub(v[name]) for name, sub in subs if name in v)

        return check

    def _array(self, schema: dict[str, Any], refs: tuple[str, ...]) -> Check | None:
        if not {"items", "minItems", "uniqueItems"} & schema.keys():
            return None
        item = self.compile(schema["items"], refs) if "items" in schema else _always
        least = schema.get("minItems", 0)
        unique = schema.get("uniqueItems", False)
        if not _is_count(least) or not isinstance(unique, bool):
            raise _Unsupported(schema)

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            if len(v) < least:
                return False
            if unique:
                # The same equality as our registered uniqueItems (validate._unique_items).
                seen: set[str] = set()
                for x in v:
                    key = canonical(x)
                    if key in seen:
                        return False
                    seen.add(key)
            return all(item(x) for x in v)

        return check

    def _min_length(self, least: Any) -> Check:
        if not _is_count(least):
            raise _Unsupported(least)
        return lambda v: not isinstance(v, str) or len(v) >= least


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
