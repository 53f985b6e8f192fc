"""Creating and editing leaves: the model behind the Editor page and the `leaf` / `seeds` commands.

- `LeafModel`: a leaf as forms see it (fields, seed cards with stable ids), built from a file's
  contents and turned back into contents that keep the file's own key order.
- Writes: `write_leaf` validates the text with the same strict rules as `labui validate`, checks
  under a folder lock that the files on disk are still the ones that were read (sha256), and
  replaces them atomically (temporary file in the same folder, fsync, rename, fsync the folder).
- `create_leaf`, `import_seeds`: the headless commands, built on the same pieces.
- Drafts: unsaved edits in the workspace database, so a browser refresh loses nothing.

"Incomplete" leaves: a new leaf starts with fewer seed examples than the schema asks for (5). The
library refuses any write with an error by default; `allow_incomplete=True` (the CLI's default
for `leaf create` and `seeds import`) lets through only the errors that more seeds will fix, so a
leaf can be created first and filled by imports. Every other error still refuses the write.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import functools
import io
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from labui.errors import ConflictError, ContentError, UsageError
from labui.fsio import atomic_write_text, folder_lock, read_bytes_capped, sha256_bytes
from labui.store import Store
from labui.taxonomy import qna_yaml
from labui.taxonomy.paths import LeafLocation, check_leaf_path
from labui.taxonomy.tree import LEAF_FILE, Leaf, LeafKind, QnA, SeedExample, build_leaf, decode
from labui.taxonomy.validate import Diagnostic, Severity, latest_version

# --------------------------------------------------------------------------------------------------
# What the schema asks for (read from the official schema, so a new version cannot drift from it).


@functools.cache
def _min_items(kind: str, *keys: str) -> int:
    from instructlab.schema import schema_base

    try:
        schema = json.loads(schema_base().joinpath(f"v{latest_version()}", f"{kind}.json").read_text("utf-8"))
        node: Any = schema["properties"]
        for i, key in enumerate(keys):
            node = node[key]
            if i < len(keys) - 1:
                node = node["items"]["properties"]
        return int(node["minItems"])
    except (KeyError, TypeError, ValueError, OSError):  # a schema laid out differently: upstream's numbers
        return 3 if keys[-1] == "questions_and_answers" else 5


def min_seeds(kind: LeafKind) -> int:
    return _min_items("knowledge" if kind is LeafKind.KNOWLEDGE else "compositional_skills", "seed_examples")


def min_qnas() -> int:
    return _min_items("knowledge", "seed_examples", "questions_and_answers")


# --------------------------------------------------------------------------------------------------
# Errors that carry what the UI needs to show.


class LeafContentError(ContentError):
    """The text does not validate; nothing was written. `diagnostics` holds every problem."""

    def __init__(self, rel_file: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.rel_file = rel_file
        self.diagnostics = list(diagnostics)
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        lines = [f"  {d.path}:{d.line}:{d.column}: {d.message}" for d in errors[:20]]
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        n = len(errors)
        super().__init__(
            f"{rel_file} does not validate ({n} error{'s' if n != 1 else ''}); nothing was written:\n"
            + "\n".join(lines)
            + more
        )


class LeafConflictError(ConflictError):
    """A file changed on disk since it was read; nothing was written. Both versions are kept here."""

    def __init__(self, rel_file: str, disk_text: str | None, mine_text: str, disk_sha256: str | None) -> None:
        self.rel_file = rel_file
        self.disk_text = disk_text
        self.mine_text = mine_text
        self.disk_sha256 = disk_sha256
        what = "was deleted" if disk_text is None else "changed on disk"
        if disk_sha256 is not None and mine_text and disk_text is not None:
            what = "changed on disk" if disk_text != mine_text else "was rewritten on disk"
        super().__init__(
            f"{rel_file} {what} since it was opened; nothing was written. "
            "Reload it, merge your changes and save again."
        )


class LeafExistsError(UsageError):
    pass


# --------------------------------------------------------------------------------------------------
# Attribution.

ATTRIBUTION_FIELDS = (
    ("title", "Title of work"),
    ("link", "Link to work"),
    ("revision", "Revision"),
    ("license", "License of the work"),
    ("creator", "Creator names"),
)
PLACEHOLDER = "TODO"


@dataclass(frozen=True, slots=True)
class Attribution:
    title: str = ""
    link: str = ""
    revision: str = ""
    license: str = ""
    creator: str = ""

    def text(self) -> str:
        return "".join(
            f"{label}: {getattr(self, name) or PLACEHOLDER}\n" for name, label in ATTRIBUTION_FIELDS
        )

    @classmethod
    def parse(cls, text: str) -> Attribution:
        values: dict[str, str] = {}
        by_label = {label.lower(): name for name, label in ATTRIBUTION_FIELDS}
        for line in text.splitlines():
            label, sep, value = line.partition(":")
            name = by_label.get(label.strip().lower())
            if sep and name and name not in values:
                values[name] = value.strip()
        return cls(**values)


def attribution_warnings(text: str | None) -> list[str]:
    """What is still a placeholder or missing in an attribution.txt (advice; the validator wants it non-empty)."""
    if text is None:
        return ["attribution.txt is missing"]
    found = Attribution.parse(text)
    out = []
    for name, label in ATTRIBUTION_FIELDS:
        value = getattr(found, name)
        if not value or value.upper().startswith(PLACEHOLDER):
            out.append(f"attribution.txt: '{label}' is {'a placeholder' if value else 'missing'}")
    return out


# --------------------------------------------------------------------------------------------------
# The model behind the forms.


def _new_id() -> str:
    return uuid.uuid4().hex[:10]


@dataclass(slots=True)
class QnADraft:
    question: str = ""
    answer: str = ""
    id: str = field(default_factory=_new_id)
    keys: tuple[str, ...] = qna_yaml.QNA_KEYS
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {"question": self.question, "answer": self.answer, **self.extra}
        return _in_order(values, self.keys)


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
    origin: dict[str, Any] | None = None  # what was read from disk (None: a new seed)

    @property
    def is_knowledge(self) -> bool:
        return self.qnas is not None

    def to_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.qnas is not None:
            values["context"] = self.context
            values["questions_and_answers"] = [q.to_dict() for q in self.qnas]
        else:
            if self.context:  # an empty context is no context (a freeform seed in a mixed leaf)
                values["context"] = self.context
            values["question"] = self.question
            values["answer"] = self.answer
        values.update(self.extra)
        return _in_order(values, self.keys or qna_yaml.SEED_KEYS)

    def to_seed(self) -> SeedExample:
        pairs = tuple(QnA(q.question, q.answer) for q in self.qnas or ())
        return SeedExample(self.question, self.answer, self.context or None, pairs)

    def copy(self) -> SeedDraft:
        qnas = (
            [replace(q, id=_new_id(), extra=dict(q.extra)) for q in self.qnas]
            if self.qnas is not None
            else None
        )
        return replace(self, id=_new_id(), qnas=qnas, extra=dict(self.extra), origin=None)

    @property
    def changed(self) -> bool:
        return self.origin is None or self.origin != self.to_dict()


def _in_order(values: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    head = [k for k in order if k in values]
    return {k: values[k] for k in [*head, *(k for k in values if k not in head)]}


@dataclass(slots=True)
class DocumentDraft:
    repo: str = ""
    commit: str = ""
    patterns: list[str] = field(default_factory=list)
    keys: tuple[str, ...] = qna_yaml.DOCUMENT_KEYS
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        values = {"repo": self.repo, "commit": self.commit, "patterns": list(self.patterns), **self.extra}
        return _in_order(values, self.keys)


_MANAGED = qna_yaml.TOP_KEYS  # the top-level keys the forms own, in the writer's canonical order


@dataclass(slots=True)
class LeafModel:
    """A leaf being edited. `base` is the contents read from disk (None: a new leaf), for key order."""

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

    @property
    def is_new(self) -> bool:
        return self.base_sha256 is None

    @property
    def rel_file(self) -> str:
        return f"{self.path}/{LEAF_FILE}"

    # ---- contents ---------------------------------------------------------------------------

    def to_contents(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.version is not None:
            values["version"] = self.version
        values["created_by"] = self.created_by
        for key in ("domain", "task_description", "document_outline"):
            value = getattr(self, key)
            if value is not None:
                values[key] = value
        values["seed_examples"] = [s.to_dict() for s in self.seeds]
        if self.document is not None:
            values["document"] = self.document.to_dict()
        if self.base is None:
            return qna_yaml.canonical_order(values)
        # Keep the file's key order and its unknown keys; a key new to the file goes where the
        # canonical order puts it relative to the keys already there.
        out: dict[str, Any] = {}
        for key, value in self.base.items():
            if key in _MANAGED:
                if key in values:
                    out[key] = values[key]
            else:
                out[key] = value
        for key in _MANAGED:
            if key in values and key not in out:
                out = _insert(out, key, values[key])
        return out

    def to_text(self) -> str:
        return qna_yaml.dumps(self.to_contents(), document_start=self.document_start)

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
            self.seeds = _group_knowledge(self.seeds, self.seed_keys)
            if self.document_outline is None:
                self.document_outline = ""
            if self.document is None:
                self.document = DocumentDraft()
            if self.domain is None:
                self.domain = ""
        if self.kind is LeafKind.KNOWLEDGE and self.base is not None and "task_description" in self.base:
            self.task_description = None  # not a knowledge key in version 3
        self.version = target


def _insert(mapping: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    rank = {k: i for i, k in enumerate(_MANAGED)}
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


def _group_knowledge(seeds: Sequence[SeedDraft], keys: tuple[str, ...]) -> list[SeedDraft]:
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


def _str(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _seed_from(item: Mapping[str, Any], kind: LeafKind) -> SeedDraft:
    keys = tuple(str(k) for k in item)
    known = {"question", "answer", "context", "questions_and_answers"}
    extra = {k: v for k, v in item.items() if k not in known}
    qnas_raw = item.get("questions_and_answers")
    qnas: list[QnADraft] | None = None
    if isinstance(qnas_raw, list):
        qnas = []
        for q in qnas_raw:
            if isinstance(q, Mapping):
                qnas.append(
                    QnADraft(
                        _str(q.get("question")),
                        _str(q.get("answer")),
                        keys=tuple(str(k) for k in q),
                        extra={k: v for k, v in q.items() if k not in ("question", "answer")},
                    )
                )
    elif kind is LeafKind.KNOWLEDGE and "question" not in item and "answer" not in item:
        qnas = []
    return SeedDraft(
        question=_str(item.get("question")),
        answer=_str(item.get("answer")),
        context=_str(item.get("context")),
        qnas=qnas,
        keys=keys,
        extra=extra,
        origin=dict(item),
    )


def model_from_contents(
    path: str,
    contents: Mapping[str, Any],
    kind: LeafKind,
    *,
    base_sha256: str | None,
    attribution: str | None,
    document_start: bool = True,
    keep_base: bool = True,
) -> LeafModel:
    """A model of parsed `contents`. With `keep_base`, writing keeps the contents' key order."""
    raw_seeds = contents.get("seed_examples")
    items = [s for s in raw_seeds if isinstance(s, Mapping)] if isinstance(raw_seeds, list) else []
    seeds = [_seed_from(s, kind) for s in items]
    seed_keys = next(
        (s.keys for s in seeds if s.qnas is None and {"question", "answer"} <= set(s.keys)), None
    )
    if kind is LeafKind.KNOWLEDGE:
        seed_keys = next((s.keys for s in seeds if s.is_knowledge), None)
    version = contents.get("version")
    doc = contents.get("document")
    document = None
    if isinstance(doc, Mapping):
        patterns = doc.get("patterns")
        document = DocumentDraft(
            _str(doc.get("repo")),
            _str(doc.get("commit")),
            [_str(p) for p in patterns]
            if isinstance(patterns, list)
            else ([_str(patterns)] if patterns else []),
            keys=tuple(str(k) for k in doc),
            extra={k: v for k, v in doc.items() if k not in ("repo", "commit", "patterns")},
        )

    def opt(key: str) -> str | None:
        return _str(contents[key]) if key in contents else None

    return LeafModel(
        path=path,
        kind=kind,
        version=version if isinstance(version, int) else (None if version is None else _to_int(version)),
        created_by=_str(contents.get("created_by")),
        task_description=opt("task_description"),
        domain=opt("domain"),
        document_outline=opt("document_outline"),
        document=document,
        seeds=seeds,
        base=dict(contents) if keep_base else None,
        base_sha256=base_sha256,
        attribution=attribution,
        attribution_base=attribution,
        document_start=document_start,
        seed_keys=seed_keys or qna_yaml.SEED_KEYS,
    )


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def model_from_leaf(leaf: Leaf) -> LeafModel:
    """The model of a leaf read from disk."""
    return model_from_contents(
        leaf.path,
        leaf.contents,
        leaf.kind,
        base_sha256=leaf.sha256,
        attribution=leaf.attribution,
        document_start=qna_yaml.has_document_start(leaf.text),
    )


def new_model(
    path: str,
    kind: LeafKind | str,
    created_by: str = "",
    *,
    task_description: str | None = None,
    domain: str | None = None,
    document_outline: str | None = None,
    document_repo: str = "",
    document_commit: str = "",
    document_patterns: Sequence[str] = (),
    seeds: Iterable[Mapping[str, Any]] = (),
    attribution: Attribution | str | None = None,
) -> LeafModel:
    """A new leaf of the current schema version, laid out in canonical order."""
    kind = LeafKind(kind)
    knowledge = kind is LeafKind.KNOWLEDGE
    model = LeafModel(
        path=path,
        kind=kind,
        version=latest_version(),
        created_by=created_by,
        task_description=None if knowledge else (task_description or ""),
        domain=(domain or "") if knowledge else None,
        document_outline=(document_outline or "") if knowledge else None,
        document=DocumentDraft(document_repo, document_commit, list(document_patterns))
        if knowledge
        else None,
    )
    model.seeds = seeds_from_rows(list(seeds), kind, model.seed_keys)
    if attribution is None:
        attribution = default_attribution(model)
    model.attribution = attribution.text() if isinstance(attribution, Attribution) else attribution
    return model


def default_attribution(model: LeafModel, **given: str) -> Attribution:
    """Attribution from what the leaf says, placeholders (TODO) for the rest."""
    values = {k: v for k, v in given.items() if v}
    if model.document is not None:
        values.setdefault("link", model.document.repo)
        values.setdefault("revision", model.document.commit)
    if model.kind is not LeafKind.KNOWLEDGE:
        values.setdefault("creator", model.created_by)
        values.setdefault("title", (model.task_description or "").split("\n", 1)[0][:80])
    return Attribution(**{k: v for k, v in values.items() if v})


def new_leaf_text(
    kind: LeafKind | str,
    created_by: str,
    *,
    task_description: str | None = None,
    domain: str | None = None,
    document_outline: str | None = None,
    document_repo: str = "",
    document_commit: str = "",
    document_patterns: Sequence[str] = (),
    seeds: Iterable[Mapping[str, Any]] = (),
) -> str:
    """The qna.yaml text of a new leaf (version 3, canonical layout). Seeds: dicts with question,
    answer and optional context; for knowledge, context with questions_and_answers (or flat rows,
    grouped by context)."""
    return new_model(
        "",
        kind,
        created_by,
        task_description=task_description,
        domain=domain,
        document_outline=document_outline,
        document_repo=document_repo,
        document_commit=document_commit,
        document_patterns=document_patterns,
        seeds=seeds,
    ).to_text()


# --------------------------------------------------------------------------------------------------
# Seed rows: import files, prefill.


def seeds_from_rows(
    rows: Sequence[Mapping[str, Any]], kind: LeafKind, keys: tuple[str, ...] = qna_yaml.SEED_KEYS
) -> list[SeedDraft]:
    seeds: list[SeedDraft] = []
    for row in rows:
        qnas = row.get("questions_and_answers")
        if isinstance(qnas, list):
            seeds.append(
                SeedDraft(
                    context=_str(row.get("context")),
                    qnas=[QnADraft(_str(q.get("question")), _str(q.get("answer"))) for q in qnas],
                    keys=keys,
                )
            )
        else:
            seeds.append(
                SeedDraft(
                    _str(row.get("question")), _str(row.get("answer")), _str(row.get("context")), keys=keys
                )
            )
    if kind is LeafKind.KNOWLEDGE:
        seeds = _group_knowledge(seeds, keys)
    return seeds


def read_seed_rows(file: Path) -> list[dict[str, Any]]:
    """Rows from JSONL, JSON, CSV or YAML: each with question and answer (and optional context), or
    context with questions_and_answers. A YAML or JSON file may also be a whole qna.yaml."""
    suffix = file.suffix.lower()
    if suffix not in (".jsonl", ".json", ".csv", ".yaml", ".yml"):
        raise UsageError(
            f"{file}: unknown seed file type {suffix or '(none)'}; use .jsonl, .json, .csv or .yaml"
        )
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"seed file not found: {file}") from None
    except IsADirectoryError:
        raise UsageError(f"{file} is a folder, not a seed file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    text, problem = decode(data, str(file))
    if problem is not None:
        raise ContentError(f"{file}: {problem.message}")
    text = text.removeprefix("\ufeff")
    rows: Any
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ContentError(f"{file}:{n}: not valid JSON ({exc.msg})") from None
    elif suffix == ".json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
        if not {"question", "answer"} <= fields:
            raise ContentError(f"{file}: a CSV seed file needs a header with question and answer columns")
        rows = [{(k or "").strip().lower(): v for k, v in r.items() if v not in (None, "")} for r in reader]
    else:
        try:
            rows = qna_yaml.loads(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise ContentError(f"{file}{where}: not valid YAML") from None
    if isinstance(rows, Mapping) and isinstance(rows.get("seed_examples"), list):
        rows = rows["seed_examples"]
    if not isinstance(rows, list):
        raise ContentError(f"{file}: expected a list of seed examples")
    for n, row in enumerate(rows, 1):
        _check_row(file, n, row)
    return [dict(r) for r in rows]


def _check_row(file: Path, n: int, row: Any) -> None:
    if not isinstance(row, Mapping):
        raise ContentError(f"{file}: seed {n} is not an object with question and answer")
    qnas = row.get("questions_and_answers")
    if qnas is not None:
        if not isinstance(qnas, list) or not all(isinstance(q, Mapping) for q in qnas):
            raise ContentError(
                f"{file}: seed {n}: questions_and_answers must be a list of question/answer pairs"
            )
        if not _str(row.get("context")).strip():
            raise ContentError(f"{file}: seed {n} has questions_and_answers but no context")
        pairs: list[Mapping[str, Any]] = list(qnas)
    else:
        pairs = [row]
    for q in pairs:
        for key in ("question", "answer"):
            value = q.get(key)
            if not isinstance(value, str | int | float) or not str(value).strip():
                raise ContentError(f"{file}: seed {n} has no {key}")


def _row_key(seed: SeedDraft) -> tuple[Any, ...]:
    if seed.qnas is not None:
        return ("k", seed.context.strip(), tuple((q.question.strip(), q.answer.strip()) for q in seed.qnas))
    return ("s", seed.context.strip(), seed.question.strip(), seed.answer.strip())


@dataclass(frozen=True, slots=True)
class MergeResult:
    added: int  # seed examples (skills) or Q&A pairs (knowledge) appended
    repeats: int  # exact repeats skipped


def merge_seeds(model: LeafModel, incoming: Sequence[SeedDraft]) -> MergeResult:
    """Append `incoming` to the model, skipping exact repeats (of the leaf or of earlier rows).
    Knowledge: Q&A pairs for a context the leaf already has join that context's seed."""
    added = repeats = 0
    if model.kind is LeafKind.KNOWLEDGE:
        by_context = {s.context.strip(): s for s in model.seeds if s.qnas is not None}
        for inc in _group_knowledge(incoming, model.seed_keys):
            target = by_context.get(inc.context.strip())
            if target is None:
                target = SeedDraft(context=inc.context, qnas=[], keys=model.seed_keys)
                model.seeds.append(target)
                by_context[inc.context.strip()] = target
            assert target.qnas is not None
            seen = {(q.question.strip(), q.answer.strip()) for q in target.qnas}
            for qa in inc.qnas or ():
                key = (qa.question.strip(), qa.answer.strip())
                if key in seen:
                    repeats += 1
                    continue
                seen.add(key)
                target.qnas.append(QnADraft(qa.question, qa.answer))
                added += 1
        return MergeResult(added, repeats)
    seen_rows = {_row_key(s) for s in model.seeds}
    for inc in incoming:
        key = _row_key(inc)
        if key in seen_rows:
            repeats += 1
            continue
        seen_rows.add(key)
        model.seeds.append(replace(inc, keys=model.seed_keys, origin=None))
        added += 1
    return MergeResult(added, repeats)


# --------------------------------------------------------------------------------------------------
# Validation as the Editor shows it.


_INCOMPLETE_PATH = re.compile(r"^seed_examples(\.\d+\.questions_and_answers)?$")


def is_incomplete(d: Diagnostic) -> bool:
    """An error that more seed examples (or Q&A pairs) will fix: the schema's minimum counts."""
    return d.source == "schema" and "are required" in d.message and bool(_INCOMPLETE_PATH.match(d.yaml_path))


def blocking(diagnostics: Iterable[Diagnostic], *, allow_incomplete: bool = False) -> list[Diagnostic]:
    return [
        d for d in diagnostics if d.severity is Severity.ERROR and not (allow_incomplete and is_incomplete(d))
    ]


@dataclass(frozen=True, slots=True)
class SeedsNeeded:
    seeds: int  # seed examples (knowledge: contexts) still to add
    qnas: dict[int, int]  # knowledge: seed index -> Q&A pairs still to add

    @property
    def total(self) -> int:
        return self.seeds + sum(self.qnas.values())

    def message(self, kind: LeafKind) -> str:
        if not self.total:
            return "enough seed examples"
        if kind is LeafKind.KNOWLEDGE:
            parts = []
            if self.seeds:
                parts.append(
                    f"{self.seeds} more context{'s' if self.seeds != 1 else ''} (each with Q&A pairs)"
                )
            if self.qnas:
                n = sum(self.qnas.values())
                where = ", ".join(str(i + 1) for i in sorted(self.qnas))
                parts.append(f"{n} more Q&A pair{'s' if n != 1 else ''} (context {where})")
            return " and ".join(parts) + " needed"
        return f"{self.seeds} more seed example{'s' if self.seeds != 1 else ''} needed"


def seeds_needed(model: LeafModel) -> SeedsNeeded:
    missing = max(0, min_seeds(model.kind) - len(model.seeds))
    qnas: dict[int, int] = {}
    if model.kind is LeafKind.KNOWLEDGE:
        need = min_qnas()
        for i, s in enumerate(model.seeds):
            have = len(s.qnas or ())
            if have < need:
                qnas[i] = need - have
        # Each context still to add needs its own pairs too.
        return SeedsNeeded(missing, qnas)
    return SeedsNeeded(missing, qnas)


def words(text: str | None) -> int:
    return len(text.split()) if text else 0


def field_of_line(node: yaml.Node | None, line: int) -> str:
    """The dotted path of the deepest key or item whose text holds `line` (1-based)."""
    path: list[str] = []
    current = node
    while current is not None:
        nxt: yaml.Node | None = None
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                if k.start_mark.line + 1 <= line:
                    nxt, part = v, str(k.value)
            if nxt is not None:
                path.append(part)
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
    from labui.taxonomy.validate import parse_yaml

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


# --------------------------------------------------------------------------------------------------
# Atomic, checked writes.


def _read(path: Path) -> tuple[str | None, str | None]:
    """(text, sha256 of the bytes) of a file, (None, None) when it does not exist."""
    try:
        data = read_bytes_capped(path)
    except FileNotFoundError:
        return None, None
    return data.decode("utf-8", errors="replace"), sha256_bytes(data)


@dataclass(frozen=True, slots=True)
class WriteResult:
    leaf: Leaf  # the leaf as written, validated
    created: bool
    wrote_attribution: bool

    @property
    def incomplete(self) -> bool:
        return any(is_incomplete(d) for d in self.leaf.diagnostics)


_UNSET: Any = object()


def write_leaf(
    root: Path,
    leaf_path: str,
    text: str,
    base_sha256: str | None,
    *,
    attribution: str | None = None,
    attribution_base: str | None = _UNSET,
    allow_incomplete: bool = False,
) -> WriteResult:
    """Validate and write a leaf's qna.yaml (and attribution.txt when `attribution` is given).

    `base_sha256`: the sha256 of the qna.yaml that was read (None: the leaf must not exist yet).
    `attribution_base`: the attribution.txt text that was read (None: it must not exist); unset,
    any attribution on disk is replaced. Raises UsageError (bad path), LeafContentError (does not
    validate) or LeafConflictError (changed on disk); in each case nothing on disk changes.
    """
    loc = check_leaf_path(root, leaf_path)
    disk_attr, _ = _read(loc.attribution_file)
    effective_attr = attribution if attribution is not None else disk_attr
    leaf = build_leaf(text, loc.path, loc.file, effective_attr)
    problems = blocking(leaf.diagnostics, allow_incomplete=allow_incomplete)
    if problems:
        raise LeafContentError(loc.rel_file, leaf.diagnostics)
    created_dirs = _make_folders(loc)
    try:
        with folder_lock(loc.folder):
            disk_text, disk_sha = _read(loc.file)
            if disk_sha != base_sha256:
                raise LeafConflictError(loc.rel_file, disk_text, text, disk_sha)
            write_attr = attribution is not None
            if write_attr:
                now_attr, _ = _read(loc.attribution_file)
                if attribution_base is not _UNSET and now_attr != attribution_base:
                    raise LeafConflictError(
                        f"{loc.path}/attribution.txt",
                        now_attr,
                        attribution or "",
                        None if now_attr is None else "",
                    )
                write_attr = now_attr != attribution
                if write_attr:
                    atomic_write_text(loc.attribution_file, attribution or "")
            atomic_write_text(loc.file, text)
    except BaseException:
        for d in reversed(created_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()  # only folders this call made, and only if still empty
        raise
    return WriteResult(leaf, base_sha256 is None, write_attr)


def _make_folders(loc: LeafLocation) -> list[Path]:
    made = []
    current = loc.root
    for part in loc.path.split("/"):
        current = current / part
        if not current.exists():
            current.mkdir()
            made.append(current)
    return made


def save_model(
    root: Path, model: LeafModel, *, allow_incomplete: bool = False, force: bool = False
) -> WriteResult:
    """Write the model's leaf. `force`: overwrite whatever is on disk now (after the curator saw both)."""
    base = model.base_sha256
    attr_base: str | None = model.attribution_base
    if force:
        loc = check_leaf_path(root, model.path)
        base = _read(loc.file)[1]
        attr_base = _read(loc.attribution_file)[0]
    wants_attr = model.attribution is not None and model.attribution != model.attribution_base
    return write_leaf(
        root,
        model.path,
        model.to_text(),
        base,
        attribution=model.attribution
        if wants_attr or (model.is_new and model.attribution is not None)
        else None,
        attribution_base=attr_base,
        allow_incomplete=allow_incomplete,
    )


def after_save(model: LeafModel, result: WriteResult) -> LeafModel:
    """The model to keep editing after a save: the written file is the new base."""
    fresh = model_from_leaf(result.leaf)
    fresh.document_start = model.document_start
    return fresh


# --------------------------------------------------------------------------------------------------
# The headless commands.


def open_leaf(root: Path, leaf_path: str) -> tuple[LeafLocation, LeafModel]:
    """Read an existing leaf into a model (UsageError if it does not exist)."""
    from labui.taxonomy.tree import load_leaf

    loc = check_leaf_path(root, leaf_path)
    if not loc.exists:
        raise UsageError(
            f"no leaf at {loc.path}: {loc.rel_file} does not exist (create it with `labui leaf create`)"
        )
    return loc, model_from_leaf(load_leaf(loc.root, loc.file))


def create_leaf(
    root: Path,
    leaf_path: str,
    kind: LeafKind | str,
    created_by: str,
    *,
    task_description: str | None = None,
    domain: str | None = None,
    document_outline: str | None = None,
    document_repo: str = "",
    document_commit: str = "",
    document_patterns: Sequence[str] = (),
    seeds: Iterable[Mapping[str, Any]] = (),
    attribution: Attribution | None = None,
    allow_incomplete: bool = False,
) -> WriteResult:
    """Write a new version-3 leaf and its attribution.txt. Nothing changes if anything is wrong."""
    loc = check_leaf_path(root, leaf_path)
    if loc.exists:
        raise LeafExistsError(
            f"{loc.rel_file} already exists; edit it, or import seeds with `labui seeds import`"
        )
    model = new_model(
        loc.path,
        kind,
        created_by,
        task_description=task_description,
        domain=domain,
        document_outline=document_outline,
        document_repo=document_repo,
        document_commit=document_commit,
        document_patterns=document_patterns,
        seeds=seeds,
        attribution=attribution,
    )
    if attribution is None:
        model.attribution = default_attribution(model).text()
    return write_leaf(
        loc.root,
        loc.path,
        model.to_text(),
        None,
        attribution=model.attribution,
        attribution_base=None,
        allow_incomplete=allow_incomplete,
    )


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    repeats: int
    write: WriteResult | None  # None when nothing new was added (nothing written)


def import_seeds(root: Path, leaf_path: str, file: Path, *, allow_incomplete: bool = False) -> ImportResult:
    """Append the seed examples in `file` to a leaf, skipping exact repeats; validate, then write."""
    _, model = open_leaf(root, leaf_path)
    rows = read_seed_rows(file)
    merged = merge_seeds(model, seeds_from_rows(rows, model.kind, model.seed_keys))
    if not merged.added:
        return ImportResult(0, merged.repeats, None)
    return ImportResult(
        merged.added, merged.repeats, save_model(root, model, allow_incomplete=allow_incomplete)
    )


# --------------------------------------------------------------------------------------------------
# Drafts: unsaved edits in the workspace database.

DRAFT_META = "editor_draft_meta"


@dataclass(frozen=True, slots=True)
class DraftInfo:
    leaf_path: str
    base_sha256: str | None
    updated_at: float
    kind: str | None


def save_draft(store: Store, model: LeafModel) -> None:
    """Keep the model's text (and what the text cannot hold: kind, attribution) in the workspace."""
    store.save_draft(model.path, model.to_text(), model.base_sha256)
    with store.connect() as db:
        db.execute(
            f"INSERT INTO {DRAFT_META} (leaf_path, kind, attribution, attribution_base) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (leaf_path) DO UPDATE SET kind = excluded.kind, attribution = excluded.attribution, "
            "attribution_base = excluded.attribution_base",
            (model.path, model.kind.value, model.attribution, model.attribution_base),
        )


def load_draft(store: Store, leaf_path: str, disk: Leaf | None) -> tuple[LeafModel, DraftInfo] | None:
    """The draft of a leaf as a model, or None. `disk`: the leaf as it is on disk now (for key order
    and to tell which seeds are new)."""
    draft = store.draft(leaf_path)
    if draft is None:
        return None
    with store.connect() as db:
        row = db.execute(
            f"SELECT kind, attribution, attribution_base FROM {DRAFT_META} WHERE leaf_path = ?", (leaf_path,)
        ).fetchone()
    kind_s, attribution, attribution_base = row if row else (None, None, None)
    contents = qna_yaml.loads(draft.text)
    if not isinstance(contents, Mapping):
        return None
    kind = (
        LeafKind(kind_s)
        if kind_s in {k.value for k in LeafKind}
        else (disk.kind if disk else LeafKind.FREEFORM_SKILL)
    )
    model = model_from_contents(
        leaf_path,
        contents,
        kind,
        base_sha256=draft.base_sha256,
        attribution=attribution if row else (disk.attribution if disk else None),
        document_start=qna_yaml.has_document_start(draft.text),
        keep_base=True,
    )
    model.attribution_base = attribution_base if row else (disk.attribution if disk else None)
    # Which seeds are the file's own: those equal to a seed on disk.
    on_disk = [dict(s) for s in disk.contents.get("seed_examples", [])] if disk else []
    for s in model.seeds:
        s.origin = s.to_dict() if s.to_dict() in on_disk else None
    return model, DraftInfo(draft.leaf_path, draft.base_sha256, draft.updated_at, kind_s)


def discard_draft(store: Store, leaf_path: str) -> None:
    store.discard_draft(leaf_path)
    with store.connect() as db:
        db.execute(f"DELETE FROM {DRAFT_META} WHERE leaf_path = ?", (leaf_path,))


def list_drafts(store: Store) -> list[DraftInfo]:
    with store.connect() as db:
        kinds = dict(db.execute(f"SELECT leaf_path, kind FROM {DRAFT_META}").fetchall())
    return [
        DraftInfo(d.leaf_path, d.base_sha256, d.updated_at, kinds.get(d.leaf_path)) for d in store.drafts()
    ]


# --------------------------------------------------------------------------------------------------
# Reading a qna.yaml someone uploads.


def model_from_text(path: str, text: str, kind: LeafKind | None, base: LeafModel | None) -> LeafModel:
    """An uploaded qna.yaml as the new state of the leaf at `path`. Its key order is kept; the
    conflict base stays the file that was opened (`base`), so a save still checks the disk."""
    contents = qna_yaml.loads(text)
    if not isinstance(contents, Mapping):
        raise ContentError("the uploaded file is not a qna.yaml: its top level is not a mapping of keys")
    if kind is None:
        from labui.taxonomy.tree import classify, seeds_from

        kind = classify(path, contents, seeds_from(contents))
    model = model_from_contents(
        path,
        contents,
        kind,
        base_sha256=base.base_sha256 if base else None,
        attribution=base.attribution if base else None,
        document_start=qna_yaml.has_document_start(text),
    )
    if base is not None:
        model.attribution_base = base.attribution_base
    for s in model.seeds:
        s.origin = (
            None if base is None else (s.origin if s.origin in [b.origin for b in base.seeds] else None)
        )
    return model


def unified_diff(old: str | None, new: str, name: str) -> str:
    """A unified diff of the file on disk against what would be written ("" when they are equal)."""
    return "".join(
        difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{name}" if old is not None else "/dev/null",
            tofile=f"b/{name}",
        )
    )
