"""Round-trip writes of `qna.yaml`: change a file's text only where its contents changed.

Saving an untouched leaf must give its file back byte for byte, and adding or editing one seed must
change only that seed's lines (comments, quoting, block styles and odd indentation elsewhere kept).
A full re-emit (qna_yaml.dumps) cannot do that, and neither can a round-trip YAML library here:
ruamel.yaml's load-and-dump kept 2 of the 148 real leaves byte-identical (it re-wraps long flow
scalars and re-indents sequences). So `patch` walks the old and new contents together along the
file's node tree and splices new text in only for the values that differ, emitted by qna_yaml in
the file's own indentation; the result is read back and compared, and anything the patcher does not
handle falls back to the full writer.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import yaml

from labui.taxonomy.qna_yaml import (
    _mapping_lines,
    _plain,
    _sequence_lines,
    _value_lines,
    dumps,
    has_document_start,
    loads,
)


class _NoPatch(Exception):
    """A shape the line patcher does not handle (flow style, aliases, merge keys): write it whole."""


def patch(text: str, contents: Mapping[str, Any]) -> str:
    """`text` changed to hold `contents`, rewriting only the lines of the values that differ.

    Untouched contents give `text` back unchanged; a changed value is re-emitted in place (its key's
    own spelling, comments and every other line kept); a new seed is inserted beside its siblings at
    their indentation. The result is checked by reading it back; where the file's shape is one the
    patcher does not handle, the whole file is written by `dumps` (the same contents, new layout).
    """
    new = _plain(contents)
    try:
        old = loads(text)
    except yaml.YAMLError:
        old = None
    if old == new:
        return text
    if isinstance(old, dict):
        try:
            out = _Patcher(text).run(old, new)
            if loads(out) == new:
                return out
        except (_NoPatch, yaml.YAMLError, RecursionError):
            pass
    return dumps(contents, document_start=has_document_start(text))


class _Patcher:
    """Edits (start, end, replacement) over the text, found by walking old and new contents together
    along the nodes of the file (PyYAML's pure-Python composer: its marks are character offsets)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[tuple[int, int, str]] = []

    def run(self, old: dict[Any, Any], new: dict[Any, Any]) -> str:
        root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        if not isinstance(root, yaml.MappingNode) or root.flow_style:
            raise _NoPatch
        self.mapping(root, old, new)
        out = self.text
        for start, end, repl in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            out = out[:start] + repl + out[end:]
        return out

    # ---- positions ------------------------------------------------------------------------------

    def line_start(self, off: int) -> int:
        return self.text.rfind("\n", 0, off) + 1

    def line_end(self, off: int) -> int:
        i = self.text.find("\n", off)
        return len(self.text) if i < 0 else i + 1

    def end_of(self, node: yaml.Node, floor: int) -> int:
        """Where the lines of `node` end: after its last line, before trailing blank or comment lines."""
        off = node.end_mark.index
        start = self.line_start(off)
        end = start if not self.text[start:off].strip() else self.line_end(off)
        while end > floor:
            prev = self.line_start(end - 1)
            if prev < floor or (
                self.text[prev:end].strip() and not self.text[prev:end].lstrip().startswith("#")
            ):
                break
            end = prev
        return end

    def begins_line(self, off: int) -> bool:
        return not self.text[self.line_start(off) : off].strip()

    def dash(self, item: yaml.Node) -> int:
        """The offset of the `-` that opens a block sequence item."""
        pos = self.text.rfind("-", 0, item.start_mark.index)
        if pos < 0 or self.text[pos + 1 : item.start_mark.index].strip() or not self.begins_line(pos):
            raise _NoPatch
        return pos

    @staticmethod
    def _block(node: yaml.Node) -> bool:
        return not getattr(node, "flow_style", False) and not node.tag.startswith("tag:yaml.org,2002:merge")

    # ---- walking --------------------------------------------------------------------------------

    def value(self, key_node: yaml.Node, node: yaml.Node, old: Any, new: Any) -> None:
        """Make the value of one `key:` (or the whole of one entry) hold `new`."""
        if self.nested(node, old, new):
            return
        start = key_node.start_mark.index
        end = self.end_of(node, start)
        indent = " " * (start - self.line_start(start))
        rest, more = _value_lines(new, indent)
        key_text = self.text[start : key_node.end_mark.index]
        self.edits.append((start, end, "\n".join([f"{key_text}:{rest}", *more]) + "\n"))

    def mapping(self, node: yaml.MappingNode, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        if len(node.value) != len(old) or any(
            k.tag.endswith(":merge") or k.value == "<<" for k, _ in node.value
        ):
            raise _NoPatch  # duplicate or merge keys: the nodes and the contents do not line up
        pairs = dict(zip(old, node.value, strict=True))
        if [k for k in new if k in old] != [k for k in old if k in new]:
            raise _NoPatch
        before: list[tuple[int, int, str]] = list(self.edits)
        try:
            self._mapping(node, old, new, pairs)
        except _NoPatch:
            self.edits = before
            raise

    def _mapping(
        self,
        node: yaml.MappingNode,
        old: dict[Any, Any],
        new: dict[Any, Any],
        pairs: dict[Any, tuple[yaml.Node, yaml.Node]],
    ) -> None:
        first_key = node.value[0][0] if node.value else None
        if first_key is None:
            raise _NoPatch
        indent = " " * (first_key.start_mark.index - self.line_start(first_key.start_mark.index))
        for key, (knode, vnode) in pairs.items():
            if key not in new:
                start = knode.start_mark.index
                if not self.begins_line(start):
                    raise _NoPatch  # the first key of a sequence item shares the dash's line
                self.edits.append((self.line_start(start), self.end_of(vnode, start), ""))
            elif old[key] != new[key]:
                self.value(knode, vnode, old[key], new[key])
        keys = list(new)
        for i, key in enumerate(keys):
            if key in old:
                continue
            later = next((pairs[k][0] for k in keys[i + 1 :] if k in old), None)
            if later is not None:
                if not self.begins_line(later.start_mark.index):
                    raise _NoPatch
                at = self.line_start(later.start_mark.index)
            else:
                last_k, last_v = node.value[-1]
                at = self.end_of(last_v, last_k.start_mark.index)
            self.edits.append((at, at, "\n".join(_mapping_lines({key: new[key]}, indent)) + "\n"))

    def sequence(self, node: yaml.SequenceNode, old: list[Any], new: list[Any]) -> None:
        if not node.value or len(node.value) != len(old):
            raise _NoPatch
        dashes = [self.dash(item) for item in node.value]
        indent = " " * (dashes[0] - self.line_start(dashes[0]))
        starts = [self.line_start(d) for d in dashes]
        ends = [self.end_of(item, d) for item, d in zip(node.value, dashes, strict=True)]

        def items(values: list[Any]) -> str:
            return "\n".join(_sequence_lines(values, indent)) + "\n"

        before = list(self.edits)
        try:
            matcher = difflib.SequenceMatcher(
                None, [repr(v) for v in old], [repr(v) for v in new], autojunk=False
            )
            for op, i1, i2, j1, j2 in matcher.get_opcodes():
                if op == "equal":
                    continue
                if op == "insert":
                    at = starts[i1] if i1 < len(old) else ends[-1]
                    self.edits.append((at, at, items(new[j1:j2])))
                elif op == "delete":
                    self.edits.append((starts[i1], ends[i2 - 1], ""))
                elif i2 - i1 == j2 - j1:
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                        self.item(node.value[i], old[i], new[j], starts[i], ends[i], items)
                else:
                    self.edits.append((starts[i1], ends[i2 - 1], items(new[j1:j2])))
        except _NoPatch:
            self.edits = before
            raise

    def item(self, node: yaml.Node, old: Any, new: Any, start: int, end: int, items: Any) -> None:
        if not self.nested(node, old, new):
            self.edits.append((start, end, items([new])))

    def nested(self, node: yaml.Node, old: Any, new: Any) -> bool:
        """Patch inside a block mapping or sequence whose old and new values are of its kind; False
        where that cannot be done (the caller then re-emits the whole value)."""
        if not self._block(node):
            return False
        try:
            if isinstance(old, dict) and isinstance(new, dict) and isinstance(node, yaml.MappingNode):
                self.mapping(node, old, new)
                return True
            if isinstance(old, list) and isinstance(new, list) and isinstance(node, yaml.SequenceNode):
                self.sequence(node, old, new)
                return True
        except _NoPatch:
            pass
        return False
