"""The taxonomy's domain objects: Taxonomy, Leaf, SeedExample, QnA, LeafKind (no I/O here).

A Leaf keeps what was read, as read: a value of the wrong type (a question that is a list) is shown
as text for display and named in `SeedExample.not_text`, never coerced into the file; validation
reports it with its code.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labui.taxonomy.diagnostics import Diagnostic, Severity

# The file names and branch folders live with the walk; re-exported for the model's users.
from labui.taxonomy.walk import ATTRIBUTION_FILE as ATTRIBUTION_FILE
from labui.taxonomy.walk import BRANCHES as BRANCHES
from labui.taxonomy.walk import LEAF_FILE as LEAF_FILE

if TYPE_CHECKING:
    import networkx as nx


class LeafKind(StrEnum):
    KNOWLEDGE = "knowledge"
    FREEFORM_SKILL = "freeform_skill"
    GROUNDED_SKILL = "grounded_skill"


@dataclass(frozen=True, slots=True)
class QnA:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class SeedExample:
    """A skill seed (question, answer, optional context) or a knowledge seed (context + Q&As).

    `not_text` names the fields whose value in the file is not a string (e.g. "question"): their text
    here is only a display of that value, and must not be written back as if the user typed it.
    """

    question: str = ""
    answer: str = ""
    context: str | None = None
    questions_and_answers: tuple[QnA, ...] = ()
    not_text: tuple[str, ...] = ()

    @property
    def pairs(self) -> tuple[QnA, ...]:
        """Every question/answer pair of this seed, whatever the kind."""
        if self.questions_and_answers:
            return self.questions_and_answers
        return (QnA(self.question, self.answer),) if (self.question or self.answer) else ()

    def text(self) -> str:
        """All the words of the seed, for search and embedding."""
        parts = [self.context or ""]
        for qa in self.pairs:
            parts += [qa.question, qa.answer]
        return "\n".join(p for p in parts if p)


def display(value: Any) -> str:
    """A value of the file as text for display: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(slots=True)
class Leaf:
    """One `qna.yaml` with what was read from it and every problem found in it."""

    path: str  # folder relative to the taxonomy root, POSIX, e.g. "compositional_skills/writing/haiku"
    file: Path  # absolute path of the qna.yaml
    text: str
    sha256: str
    kind: LeafKind
    version: int
    contents: Mapping[str, Any]
    seeds: list[SeedExample]
    diagnostics: list[Diagnostic]
    attribution: str | None = None

    @property
    def rel_file(self) -> str:
        return f"{self.path}/{LEAF_FILE}" if self.path else LEAF_FILE

    @property
    def branch(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def status(self) -> str:
        return "error" if self.errors else ("warning" if self.warnings else "ok")

    def _str(self, key: str) -> str:
        return display(self.contents.get(key))

    @property
    def created_by(self) -> str:
        return self._str("created_by")

    @property
    def task_description(self) -> str:
        return self._str("task_description")

    @property
    def domain(self) -> str:
        return self._str("domain")

    @property
    def document_outline(self) -> str:
        return self._str("document_outline")

    @property
    def document(self) -> Mapping[str, Any] | None:
        doc = self.contents.get("document")
        return doc if isinstance(doc, Mapping) else None

    @property
    def description(self) -> str:
        """What the leaf is about in one line: task description, else domain and outline."""
        return self.task_description or " - ".join(p for p in (self.domain, self.document_outline) if p)

    @property
    def seed_count(self) -> int:
        return len(self.seeds)

    @property
    def qna_count(self) -> int:
        return sum(len(s.pairs) for s in self.seeds)

    @property
    def seed_size(self) -> int:
        """How much seed material the leaf has: Q&A pairs for knowledge, seed examples for skills."""
        return self.qna_count if self.kind is LeafKind.KNOWLEDGE else self.seed_count

    def to_record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind.value,
            "version": self.version,
            "seed_examples": self.seed_count,
            "created_by": self.created_by,
            "task_description": self.task_description,
            "domain": self.domain,
            "errors": self.errors,
            "warnings": self.warnings,
            "codes": sorted({str(d.code) for d in self.diagnostics}),
        }


@dataclass(slots=True)
class Taxonomy:
    """Every leaf of one taxonomy folder; `graph` is the tree of branches and leaves (see graph.py)."""

    root: Path
    leaves: list[Leaf] = field(default_factory=list)
    key: str = ""  # the tree's content key (keys.tree_key) when every leaf could be cached; else ""
    _by_path: dict[str, Leaf] = field(init=False, repr=False, compare=False)
    _graph: nx.DiGraph | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        self._by_path = {leaf.path: leaf for leaf in self.leaves}

    def leaf(self, path: str) -> Leaf | None:
        return self._by_path.get(path.strip("/"))

    @property
    def graph(self) -> nx.DiGraph:
        """The tree as a networkx DiGraph, built on first use (see `labui.taxonomy.graph`)."""
        if self._graph is None:
            from labui.taxonomy.graph import build_graph

            self._graph = build_graph(self.leaves)
        return self._graph

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for leaf in self.leaves for d in leaf.diagnostics]

    @property
    def errors(self) -> int:
        return sum(leaf.errors for leaf in self.leaves)

    @property
    def warnings(self) -> int:
        return sum(leaf.warnings for leaf in self.leaves)

    def counts_by_kind(self) -> dict[str, int]:
        counts = Counter(leaf.kind.value for leaf in self.leaves)
        return {k.value: counts.get(k.value, 0) for k in LeafKind}


def _text(item: Mapping[str, Any], key: str, odd: list[str]) -> str:
    value = item.get(key)
    if value.__class__ is str:  # nearly always: no further checks (a big tree has 100k+ of these)
        return value
    if value is not None and not isinstance(value, str):
        odd.append(key)
    return display(value)


def seeds_from(contents: Mapping[str, Any]) -> list[SeedExample]:
    """Seed examples from parsed contents, tolerant of wrong shapes (validation reports those)."""
    raw = contents.get("seed_examples")
    if not isinstance(raw, list):
        return []
    seeds = []
    for item in raw:
        if not isinstance(item, (dict, Mapping)):  # dict first: the ABC check is slow
            continue
        odd: list[str] = []
        qnas = item.get("questions_and_answers")
        pairs: tuple[QnA, ...] = ()
        if isinstance(qnas, list):
            pairs = tuple(
                QnA(_text(q, "question", odd), _text(q, "answer", odd))
                for q in qnas
                if isinstance(q, (dict, Mapping))
            )
        question, answer = _text(item, "question", odd), _text(item, "answer", odd)
        context = _text(item, "context", odd) if item.get("context") is not None else None
        seeds.append(SeedExample(question, answer, context, pairs, tuple(dict.fromkeys(odd)) if odd else ()))
    return seeds


def classify(path: str, contents: Mapping[str, Any], seeds: Sequence[SeedExample]) -> LeafKind:
    if path.split("/", 1)[0] == "knowledge" or "document" in contents:
        return LeafKind.KNOWLEDGE
    if any(s.context for s in seeds):
        return LeafKind.GROUNDED_SKILL
    return LeafKind.FREEFORM_SKILL
