"""Building a `LeafModel`: from a leaf read from disk, from parsed contents, from an upload, or new."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict, Unpack

from labui.editing.attribution import Attribution
from labui.editing.model import DocumentDraft, LeafModel, QnADraft, SeedDraft, _to_int, as_text
from labui.editing.seeds import seeds_from_rows
from labui.errors import ContentError
from labui.taxonomy import qna_yaml
from labui.taxonomy.model import Leaf, LeafKind
from labui.taxonomy.validate import latest_version
from labui.taxonomy.yamlsafe import load_limited


def _seed_from(item: Mapping[str, Any], kind: LeafKind) -> SeedDraft:
    keys = tuple(str(k) for k in item)
    known = {"question", "answer", "context", "questions_and_answers"}
    extra = {k: v for k, v in item.items() if k not in known}
    qnas_raw = item.get("questions_and_answers")
    qnas: list[QnADraft] | None = None
    if isinstance(qnas_raw, list):
        qnas = [
            QnADraft(
                as_text(q.get("question")),
                as_text(q.get("answer")),
                keys=tuple(str(k) for k in q),
                extra={k: v for k, v in q.items() if k not in ("question", "answer")},
                origin=dict(q),
            )
            for q in qnas_raw
            if isinstance(q, Mapping)
        ]
    elif kind is LeafKind.KNOWLEDGE and "question" not in item and "answer" not in item:
        qnas = []
    return SeedDraft(
        question=as_text(item.get("question")),
        answer=as_text(item.get("answer")),
        context=as_text(item.get("context")),
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
    base_text: str | None = None,
) -> LeafModel:
    """A model of parsed `contents`; writing keeps their key order, and patches `base_text` if given."""
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
            as_text(doc.get("repo")),
            as_text(doc.get("commit")),
            [as_text(p) for p in patterns]
            if isinstance(patterns, list)
            else ([as_text(patterns)] if patterns else []),
            keys=tuple(str(k) for k in doc),
            extra={k: v for k, v in doc.items() if k not in ("repo", "commit", "patterns")},
            origin=dict(doc),
        )

    def opt(key: str) -> str | None:
        return as_text(contents[key]) if key in contents else None

    return LeafModel(
        path=path,
        kind=kind,
        version=version if isinstance(version, int) else (None if version is None else _to_int(version)),
        created_by=as_text(contents.get("created_by")),
        task_description=opt("task_description"),
        domain=opt("domain"),
        document_outline=opt("document_outline"),
        document=document,
        seeds=seeds,
        base=dict(contents),
        base_sha256=base_sha256,
        attribution=attribution,
        attribution_base=attribution,
        document_start=document_start,
        seed_keys=seed_keys or qna_yaml.SEED_KEYS,
        base_text=base_text,
    )


def model_from_leaf(leaf: Leaf) -> LeafModel:
    """The model of a leaf read from disk."""
    return model_from_contents(
        leaf.path,
        leaf.contents,
        leaf.kind,
        base_sha256=leaf.sha256,
        attribution=leaf.attribution,
        document_start=qna_yaml.has_document_start(leaf.text),
        base_text=leaf.text,
    )


def model_from_text(path: str, text: str, kind: LeafKind | None, base: LeafModel | None) -> LeafModel:
    """An uploaded qna.yaml as the new state of the leaf at `path`. Parsed within the YAML limits (an
    alias bomb is refused before it expands); its text and key order are kept; the conflict base
    stays the file that was opened (`base`), so a save still checks the disk."""
    contents = load_limited(text, "the uploaded file")
    if not isinstance(contents, Mapping):
        raise ContentError("the uploaded file is not a qna.yaml: its top level is not a mapping of keys")
    if kind is None:
        from labui.taxonomy.model import classify, seeds_from

        kind = classify(path, contents, seeds_from(contents))
    model = model_from_contents(
        path,
        contents,
        kind,
        base_sha256=base.base_sha256 if base else None,
        attribution=base.attribution if base else None,
        document_start=qna_yaml.has_document_start(text),
        base_text=text,
    )
    if base is not None:
        model.attribution_base = base.attribution_base
    known = [b.origin for b in base.seeds] if base is not None else []
    for s in model.seeds:
        s.fresh = s.origin not in known
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


class LeafFields(TypedDict, total=False):
    """What a new leaf may start with besides its kind and creator (`new_model`, `create_leaf`).
    Skills use task_description; knowledge the domain, outline and document fields."""

    task_description: str | None
    domain: str | None
    document_outline: str | None
    document_repo: str
    document_commit: str
    document_patterns: Sequence[str]
    seeds: Iterable[Mapping[str, Any]]
    attribution: Attribution | str | None  # None: made from the leaf (default_attribution)


def new_model(
    path: str, kind: LeafKind | str, created_by: str = "", **fields: Unpack[LeafFields]
) -> LeafModel:
    """A new leaf of the current schema version, laid out in canonical order."""
    kind = LeafKind(kind)
    knowledge = kind is LeafKind.KNOWLEDGE
    model = LeafModel(
        path=path,
        kind=kind,
        version=latest_version(),
        created_by=created_by,
        task_description=None if knowledge else (fields.get("task_description") or ""),
        domain=(fields.get("domain") or "") if knowledge else None,
        document_outline=(fields.get("document_outline") or "") if knowledge else None,
        document=DocumentDraft(
            fields.get("document_repo", ""),
            fields.get("document_commit", ""),
            list(fields.get("document_patterns", ())),
        )
        if knowledge
        else None,
    )
    model.seeds = seeds_from_rows(list(fields.get("seeds", ())), kind, model.seed_keys)
    attribution = fields.get("attribution")
    if attribution is None:
        attribution = default_attribution(model)
    model.attribution = attribution.text() if isinstance(attribution, Attribution) else attribution
    return model


def new_leaf_text(kind: LeafKind | str, created_by: str, **fields: Unpack[LeafFields]) -> str:
    """The qna.yaml text of a new leaf (version 3, canonical layout); `fields` as for `new_model`.
    Seeds: dicts with question, answer and optional context; for knowledge, context with
    questions_and_answers (or flat rows, grouped by context)."""
    return new_model("", kind, created_by, **fields).to_text()
