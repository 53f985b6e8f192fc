"""The leaf as the Editor's forms see it: fields and seed cards with stable ids, back to qna.yaml text.

Round trip: every draft remembers what was read (`origin`, `base`, `base_text`). A form value equal
to what was read gives back the value read, exactly (its type too: a list stays a list for the
validator to report, never coerced to text), and `to_text` patches the file's own text, so an
untouched leaf is written back byte for byte and an edit changes only the lines it must.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from labui.editing.rules import min_qnas
from labui.taxonomy import qna_patch, qna_yaml
from labui.taxonomy.load import build_leaf
from labui.taxonomy.model import LEAF_FILE, Leaf, LeafKind, QnA, SeedExample
from labui.taxonomy.validate import latest_version


def _new_id() -> str:
    return uuid.uuid4().hex[:10]


def as_text(value: Any) -> str:
    """A read value as a form shows it ("" for none)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def keep(origin: Mapping[str, Any] | None, key: str, value: Any) -> Any:
    """The value read for `key` when the form still shows it unchanged, else the form's value."""
    if origin is not None and key in origin and as_text(origin[key]) == value:
        return origin[key]
    return value


def in_order(values: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    head = [k for k in order if k in values]
    return {k: values[k] for k in [*head, *(k for k in values if k not in head)]}


@dataclass(slots=True)
class QnADraft:
    question: str = ""
    answer: str = ""
    id: str = field(default_factory=_new_id)
    keys: tuple[str, ...] = qna_yaml.QNA_KEYS
    extra: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Any] | None = None  # what was read (None: a new pair)

    def to_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "question": keep(self.origin, "question", self.question),
            "answer": keep(self.origin, "answer", self.answer),
            **self.extra,
        }
        return in_order(values, self.keys)


@dataclass(slots=True)
class SeedDraft:
    """One seed card. Skills: question, answer, optional context. Knowledge: context and Q&A pairs."""

    question: str = ""
    answer: str = ""
    context: str = ""
    qnas: list[QnADraft] | None = None  # not None: a knowledge seed
    id: str = field(default_factory=_new_id)
    keys: tuple[str, ...] = ()  # the key order to write (the file's own, else canonical)
    extra: dict[str, Any] = field(default_factory=dict)  # keys the forms do not know, kept as they were
    origin: dict[str, Any] | None = None  # what was read (None: a new seed)
    fresh: bool = False  # read from a draft or upload, but not in the file on disk

    @property
    def is_knowledge(self) -> bool:
        return self.qnas is not None

    def to_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        o = self.origin
        if self.qnas is not None:
            values["context"] = keep(o, "context", self.context)
            values["questions_and_answers"] = [q.to_dict() for q in self.qnas]
        else:
            # An empty context is no context (a freeform seed in a mixed leaf), unless the file had one.
            if self.context or (o is not None and "context" in o):
                values["context"] = keep(o, "context", self.context)
            values["question"] = keep(o, "question", self.question)
            values["answer"] = keep(o, "answer", self.answer)
        values.update(self.extra)
        return in_order(values, self.keys or qna_yaml.SEED_KEYS)

    def to_seed(self) -> SeedExample:
        pairs = tuple(QnA(q.question, q.answer) for q in self.qnas or ())
        return SeedExample(self.question, self.answer, self.context or None, pairs)

    def copy(self) -> SeedDraft:
        qnas = (
            [replace(q, id=_new_id(), extra=dict(q.extra), origin=None) for q in self.qnas]
            if self.qnas is not None
            else None
        )
        return replace(self, id=_new_id(), qnas=qnas, extra=dict(self.extra), origin=None, fresh=False)

    @property
    def changed(self) -> bool:
        return self.fresh or self.origin is None or self.origin != self.to_dict()


@dataclass(slots=True)
class DocumentDraft:
    repo: str = ""
    commit: str = ""
    patterns: list[str] = field(default_factory=list)
    keys: tuple[str, ...] = qna_yaml.DOCUMENT_KEYS
    extra: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        o = self.origin
        patterns: Any = list(self.patterns)
        if o is not None and "patterns" in o:
            read = o["patterns"]
            shown = (
                [as_text(p) for p in read] if isinstance(read, list) else ([as_text(read)] if read else [])
            )
            if shown == patterns:
                patterns = read
        values = {
            "repo": keep(o, "repo", self.repo),
            "commit": keep(o, "commit", self.commit),
            "patterns": patterns,
            **self.extra,
        }
        return in_order(values, self.keys)


MANAGED = qna_yaml.TOP_KEYS  # the top-level keys the forms own, in the writer's canonical order


@dataclass(slots=True)
class LeafModel:
    """A leaf being edited. `base` is the contents read (None: a new leaf), `base_text` their text."""

    path: str
    kind: LeafKind
    version: int | None = None  # None: the file has no `version` key (schema version 1)
    created_by: str = ""
    task_description: str | None = None
    domain: str | None = None
    document_outline: str | None = None
    document: DocumentDraft | None = None
    seeds: list[SeedDraft] = field(default_factory=list)
    base: dict[str, Any] | None = None
    base_sha256: str | None = None  # sha256 of qna.yaml when opened; None: the file did not exist
    attribution: str | None = None  # the attribution.txt text to have beside the leaf
    attribution_base: str | None = None  # what attribution.txt held when opened (None: absent)
    document_start: bool = True
    seed_keys: tuple[str, ...] = qna_yaml.SEED_KEYS  # key order for new seeds (the file's style)
    base_text: str | None = None  # the text `base` was read from: writes patch it (None: write whole)

    @property
    def is_new(self) -> bool:
        return self.base_sha256 is None

    @property
    def rel_file(self) -> str:
        return f"{self.path}/{LEAF_FILE}"

    # ---- contents ---------------------------------------------------------------------------

    def to_contents(self) -> dict[str, Any]:
        base = self.base
        values: dict[str, Any] = {}
        if self.version is not None:
            read = base.get("version") if base else None
            values["version"] = read if read is not None and _to_int(read) == self.version else self.version
        if base is None or "created_by" in base or self.created_by:
            values["created_by"] = keep(base, "created_by", self.created_by)
        for key in ("domain", "task_description", "document_outline"):
            value = getattr(self, key)
            if value is not None:
                values[key] = keep(base, key, value)
        if base is None or "seed_examples" in base or self.seeds:
            values["seed_examples"] = [s.to_dict() for s in self.seeds]
        if self.document is not None:
            values["document"] = self.document.to_dict()
        if base is None:
            return qna_yaml.canonical_order(values)
        # Keep the file's key order and its unknown keys; a key new to the file goes where the
        # canonical order puts it relative to the keys already there.
        out: dict[str, Any] = {}
        for key, value in base.items():
            if key in MANAGED:
                if key in values:
                    out[key] = values[key]
            else:
                out[key] = value
        for key in MANAGED:
            if key in values and key not in out:
                out = _insert(out, key, values[key])
        return out

    def to_text(self) -> str:
        contents = self.to_contents()
        if self.base_text is not None:
            return qna_patch.patch(self.base_text, contents)
        return qna_yaml.dumps(contents, document_start=self.document_start)

    def to_leaf(self, file: Path) -> Leaf:
        """Validate the current state (no I/O): diagnostics, seeds, kind as the Taxonomy page sees them."""
        return build_leaf(self.to_text(), self.path, file, self.attribution)

    # ---- seed cards -------------------------------------------------------------------------

    def new_seed(self) -> SeedDraft:
        if self.kind is LeafKind.KNOWLEDGE:
            return SeedDraft(qnas=[QnADraft() for _ in range(min_qnas())], keys=self.seed_keys)
        return SeedDraft(keys=self.seed_keys)

    def add_seed(self, seed: SeedDraft | None = None) -> SeedDraft:
        seed = seed or self.new_seed()
        self.seeds.append(seed)
        return seed

    def _index(self, seed_id: str) -> int:
        for i, s in enumerate(self.seeds):
            if s.id == seed_id:
                return i
        raise KeyError(seed_id)

    def remove_seed(self, seed_id: str) -> None:
        del self.seeds[self._index(seed_id)]

    def move_seed(self, seed_id: str, delta: int) -> None:
        i = self._index(seed_id)
        j = max(0, min(len(self.seeds) - 1, i + delta))
        self.seeds.insert(j, self.seeds.pop(i))

    def duplicate_seed(self, seed_id: str) -> SeedDraft:
        i = self._index(seed_id)
        copy = self.seeds[i].copy()
        self.seeds.insert(i + 1, copy)
        return copy

    def add_qna(self, seed_id: str) -> QnADraft:
        seed = self.seeds[self._index(seed_id)]
        if seed.qnas is None:
            seed.qnas = []
        qa = QnADraft()
        seed.qnas.append(qa)
        return qa

    def remove_qna(self, seed_id: str, qna_id: str) -> None:
        seed = self.seeds[self._index(seed_id)]
        if seed.qnas is not None:
            seed.qnas = [q for q in seed.qnas if q.id != qna_id]

    def upgrade(self) -> None:
        """Move a version 1 or 2 leaf to the current schema version (only when the curator asks)."""
        target = latest_version()
        if self.kind is LeafKind.KNOWLEDGE and any(not s.is_knowledge for s in self.seeds):
            self.seeds = group_knowledge(self.seeds, self.seed_keys)
            if self.document_outline is None:
                self.document_outline = ""
            if self.document is None:
                self.document = DocumentDraft()
            if self.domain is None:
                self.domain = ""
        if self.kind is LeafKind.KNOWLEDGE and self.base is not None and "task_description" in self.base:
            self.task_description = None  # not a knowledge key in version 3
        self.version = target


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _insert(mapping: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    rank = {k: i for i, k in enumerate(MANAGED)}
    out: dict[str, Any] = {}
    placed = False
    for k, v in mapping.items():
        if not placed and k in rank and rank[k] > rank[key]:
            out[key] = value
            placed = True
        out[k] = v
    if not placed:
        out[key] = value
    return out


def group_knowledge(seeds: Sequence[SeedDraft], keys: tuple[str, ...]) -> list[SeedDraft]:
    """Flat (context, question, answer) seeds to one knowledge seed per context, in first-seen order."""
    groups: dict[str, SeedDraft] = {}
    out: list[SeedDraft] = []
    for s in seeds:
        if s.is_knowledge:
            out.append(s)
            continue
        target = groups.get(s.context)
        if target is None:
            target = SeedDraft(context=s.context, qnas=[], keys=keys)
            groups[s.context] = target
            out.append(target)
        assert target.qnas is not None
        target.qnas.append(QnADraft(s.question, s.answer))
    return out
