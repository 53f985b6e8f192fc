"""The verdict cache's side in the taxonomy stage: what is kept per leaf key, and a leaf from it.

A verdict is what validating a leaf gives (version, contents, diagnostics). Its key (keys.py) hashes
the leaf's place, its qna.yaml bytes, its attribution and the version of the rules, so a hit is
exactly what validating again would give. The store (labui.store.verdicts) keeps the rows; this
module decides what goes in them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from labui.taxonomy.diagnostics import Diagnostic, Severity
from labui.taxonomy.model import Leaf
from labui.taxonomy.read import RawLeaf, decode, make_leaf, rel_file


class VerdictCache(Protocol):
    """What load_taxonomy needs of a verdict store (labui.store.verdicts.Verdicts is one)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, str]: ...

    def put_many(self, rows: Iterable[tuple[str, str]]) -> None: ...


_SEVERITY = {s.value: s for s in Severity}  # Severity(value) costs 15 us a call: 0.1 s on 10k leaves


def _diag_from_json(d: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(
        d["path"],
        d["line"],
        d["column"],
        _SEVERITY[d["severity"]],
        d["code"],
        d["message"],
        d["source"],
        d["rule"],
        d["yaml_path"],
    )


def verdict_json(leaf: Leaf) -> str:
    # The contents go in only when JSON keeps them exactly (no dates, no non-string keys); otherwise a
    # hit re-parses the YAML, which is still far cheaper than linting and schema validation. They are
    # written once and spliced in: dumping, reloading and dumping them again cost ~5 ms of a cold run.
    plain = dict(leaf.contents)
    try:
        contents = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
        if json.loads(contents) != plain:
            contents = "null"
    except (TypeError, ValueError):
        contents = "null"
    diags = [d.to_json() for d in leaf.diagnostics]
    diagnostics = json.dumps(diags, ensure_ascii=False, separators=(",", ":"))
    return f'{{"version":{json.dumps(leaf.version)},"contents":{contents},"diagnostics":{diagnostics}}}'


def leaf_from_verdict(raw: RawLeaf, verdict: str) -> Leaf | None:
    try:
        doc = json.loads(verdict)
        diags = [_diag_from_json(d) for d in doc["diagnostics"]]
        version = int(doc["version"])
    except (ValueError, KeyError, TypeError):
        return None  # a damaged row: validate again
    text, problem = decode(raw.data, rel_file(raw.rel_dir))
    contents = doc.get("contents")
    if contents is None and problem is None and text:
        from labui.taxonomy.yamlsafe import parse_yaml

        contents, _node, _diags = parse_yaml(text, raw.rel_dir)
    return make_leaf(raw, text, version, contents, diags)
