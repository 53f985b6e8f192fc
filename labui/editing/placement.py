"""Where the Editor shows each problem: diagnostics grouped by the form field they concern.

Also the Editor-only advice the validator does not give."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from labui.editing.attribution import attribution_warnings
from labui.editing.model import LeafModel
from labui.taxonomy.diagnostics import Diagnostic
from labui.taxonomy.model import Leaf, LeafKind


def field_of_line(node: yaml.Node | None, line: int) -> str:
    """The dotted path of the deepest key or item whose text holds `line` (1-based)."""
    path: list[str] = []
    current = node
    while current is not None:
        nxt: yaml.Node | None = None
        part = ""
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                if k.start_mark.line + 1 <= line:
                    nxt, part = v, str(k.value)
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                if item.start_mark.line + 1 <= line:
                    nxt, part = item, str(i)
        if nxt is not None:
            path.append(part)
        current = nxt
    return ".".join(path)


def diagnostics_by_field(leaf: Leaf) -> dict[str, list[Diagnostic]]:
    """Group a leaf's diagnostics by the form field they concern (dotted path, "" for the whole file)."""
    from labui.taxonomy.yamlsafe import parse_yaml

    node = None
    if any(d.path == leaf.rel_file and not d.yaml_path for d in leaf.diagnostics):
        _, node, _ = parse_yaml(leaf.text, leaf.rel_file)
    out: dict[str, list[Diagnostic]] = {}
    for d in leaf.diagnostics:
        if d.path != leaf.rel_file:
            key = "attribution"
        elif d.yaml_path:
            key = d.yaml_path
        else:
            key = field_of_line(node, d.line)
        out.setdefault(key, []).append(d)
    return out


def rendered_fields(model: LeafModel) -> set[str]:
    """The dotted paths the Editor shows a place for: every form field, each card and the seed list."""
    out = {"", "created_by", "seed_examples", "attribution"}
    for key in ("task_description", "domain", "document_outline"):
        if getattr(model, key) is not None:
            out.add(key)
    if model.document is not None:
        out |= {"document", "document.repo", "document.commit", "document.patterns"}
    for i, s in enumerate(model.seeds):
        card = f"seed_examples.{i}"
        out |= {card, f"{card}.context"}
        if s.qnas is None:
            out |= {f"{card}.question", f"{card}.answer"}
        else:
            out.add(f"{card}.questions_and_answers")
            for j in range(len(s.qnas)):
                qa = f"{card}.questions_and_answers.{j}"
                out |= {qa, f"{qa}.question", f"{qa}.answer"}
    return out


def nearest_field(key: str, rendered: set[str]) -> str:
    """`key`, or its closest ancestor that has a place on the page ("" for the page itself)."""
    parts = key.split(".") if key else []
    while parts:
        candidate = ".".join(parts)
        if candidate in rendered:
            return candidate
        parts.pop()
    return ""


def place_diagnostics(
    by_field: Mapping[str, list[Diagnostic]], rendered: set[str]
) -> dict[str, list[Diagnostic]]:
    out: dict[str, list[Diagnostic]] = {}
    for key, diags in by_field.items():
        out.setdefault(nearest_field(key, rendered), []).extend(diags)
    return out


def editor_advice(model: LeafModel) -> list[tuple[str, str]]:
    """Editor-only hints (field, message) the validator does not give: not errors, just help."""
    out: list[tuple[str, str]] = []
    if model.kind is LeafKind.GROUNDED_SKILL:
        for i, s in enumerate(model.seeds):
            if not s.is_knowledge and not s.context.strip():
                out.append((f"seed_examples.{i}", "a grounded skill seed needs a context"))
    if model.attribution is not None or not model.is_new:
        out += [("attribution", w) for w in attribution_warnings(model.attribution)]
    return out
