"""YAML with limits: parse user text into contents plus the node tree (for positions), never raising.

An alias bomb ("billion laughs") is a few hundred bytes that expand to gigabytes, and a deep flow
nesting (`[[[[...`) crashes libyaml's recursive composer. Both are refused before composing: a first
pass over the parser's events (iterative, no tree built) tracks nesting depth and the number of
nodes the document would have once every alias is expanded. The Editor's upload and the seeds
import call `load_limited` so that every path into labui parses the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from labui.errors import ContentError
from labui.taxonomy.diagnostics import Code, Diagnostic, Severity

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A 10,000-seed leaf has about 60,000 nodes; real leaves have a few hundred.
MAX_EXPANDED_NODES = 2_000_000
MAX_DEPTH = 64


class YamlLimitError(Exception):
    """The document would exceed a limit once composed; refused before it is."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.line: int = mark.line + 1 if mark is not None else 1
        self.column: int = mark.column + 1 if mark is not None else 1


def check_limits(text: str, max_nodes: int = MAX_EXPANDED_NODES, max_depth: int = MAX_DEPTH) -> None:
    """Raise YamlLimitError when `text` nests deeper than `max_depth` or expands past `max_nodes`.

    Syntax errors are left for the composer to report with its usual message.
    """
    loader = _Loader(text)
    sizes: dict[str, int] = {}  # anchor -> expanded node count of the node it names
    stack: list[tuple[str | None, int]] = []  # open collections: (anchor, nodes so far)
    open_anchors: set[str] = set()
    total = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= max_depth:
                    raise YamlLimitError(
                        f"the YAML nests more than {max_depth} levels deep; it was not read", event.start_mark
                    )
                stack.append((event.anchor, 1))
                if event.anchor:
                    open_anchors.add(event.anchor)
                continue
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                anchor, size = stack.pop()
                if anchor:
                    sizes[anchor] = size
                    open_anchors.discard(anchor)
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise YamlLimitError(
                        f"the alias *{event.anchor} refers to a value that contains it; it was not read",
                        event.start_mark,
                    )
                size = sizes.get(event.anchor or "", 1)
            else:
                continue  # stream and document boundaries
            total += size
            if stack:
                anchor, so_far = stack[-1]
                stack[-1] = (anchor, so_far + size)
            if total > max_nodes or (stack and stack[-1][1] > max_nodes):
                raise YamlLimitError(
                    f"the YAML expands to more than {max_nodes:,} values once its aliases are "
                    "followed (an alias bomb?); it was not read",
                    event.start_mark,
                )
    except yaml.YAMLError:
        pass  # the composer reports it with a position
    finally:
        loader.dispose()


def _syntax_problem(exc: yaml.YAMLError) -> tuple[int, int, str]:
    """(line, column, message) for a YAML error, at the place a person has to fix."""
    mark: Any
    if not isinstance(exc, yaml.MarkedYAMLError):  # e.g. a reader error on a control character
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        message = f"YAML error: {exc}"
    else:
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
    """Parse `text` within the limits, keeping the node tree for positions.

    Syntax errors and exceeded limits become diagnostics (`yaml-syntax`, `yaml-limits`).
    """
    try:
        check_limits(text)
    except YamlLimitError as exc:
        diag = Diagnostic(path, exc.line, exc.column, Severity.ERROR, Code.YAML_LIMITS, str(exc), "yaml")
        return None, None, [diag]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        contents = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        line, col, message = _syntax_problem(exc)
        return (
            None,
            None,
            [Diagnostic(path, line, col, Severity.ERROR, Code.YAML_SYNTAX, message, "yaml", "syntax")],
        )
    finally:
        loader.dispose()
    return contents, node, []


def load_limited(text: str, what: str = "the YAML") -> Any:
    """The contents of `text` parsed within the limits; ContentError (one line, with the position)
    when it is not valid YAML or exceeds a limit. For uploads and imports, which have no leaf yet."""
    contents, _node, diags = parse_yaml(text, what)
    if diags:
        d = diags[0]
        raise ContentError(f"{what}, line {d.line}, column {d.column}: {d.message}")
    return contents


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
    """Every mapping key that repeats an earlier key of the same mapping (each node visited once)."""
    if node is None:
        return
    stack, visited = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in visited:  # an alias shares its node; walking it again is the alias bomb
            continue
        visited.add(id(n))
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
