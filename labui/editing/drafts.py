"""Drafts: unsaved edits kept in the workspace per (leaf, owner).

A refresh loses nothing, and one session's edit never replaces another's.

An owner is a browser session (or a named reviewer). Opening a leaf makes no draft; the first change
does (`is_edited`). When a second owner opens a leaf that has someone else's draft, `others` says
whose and since when, and the caller offers to take it over (`take_over`) or start fresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from labui.editing.build import model_from_contents
from labui.editing.model import LeafModel
from labui.errors import ContentError
from labui.store import Store
from labui.store import drafts as sql
from labui.taxonomy import qna_yaml
from labui.taxonomy.model import Leaf, LeafKind
from labui.taxonomy.yamlsafe import load_limited


@dataclass(frozen=True, slots=True)
class Owner:
    id: str  # stable key: a session id or "reviewer:NAME"
    label: str  # how others see it: "reviewer ana", "session 3f2a…"

    @classmethod
    def reviewer(cls, name: str) -> Owner:
        return cls(f"reviewer:{name}", f"reviewer {name}")

    @classmethod
    def session(cls, session_id: str) -> Owner:
        return cls(f"session:{session_id}", f"another browser session ({session_id[:8]})")


@dataclass(frozen=True, slots=True)
class DraftInfo:
    leaf_path: str
    owner: str
    owner_label: str
    base_sha256: str | None
    updated_at: float
    kind: str | None

    def when(self) -> str:
        """The time of the last change, UTC, to the minute."""
        return dt.datetime.fromtimestamp(self.updated_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _info(d: sql.Draft) -> DraftInfo:
    return DraftInfo(d.leaf_path, d.owner, d.owner_label, d.base_sha256, d.updated_at, d.kind)


def is_edited(model: LeafModel, disk: Leaf | None) -> bool:
    """Whether the model holds a change against the leaf on disk (only then is there a draft)."""
    if disk is None or model.is_new:
        return True
    return model.to_text() != disk.text or model.attribution != disk.attribution


def save_draft(store: Store, model: LeafModel, owner: Owner) -> None:
    """Keep the model's text (and what the text cannot hold: kind, attribution) as `owner`'s draft."""
    sql.save(
        store,
        model.path,
        owner.id,
        owner.label,
        text=model.to_text(),
        base_sha256=model.base_sha256,
        kind=model.kind.value,
        attribution=model.attribution,
        attribution_base=model.attribution_base,
    )


def load_draft(
    store: Store, leaf_path: str, owner: Owner, disk: Leaf | None
) -> tuple[LeafModel, DraftInfo] | None:
    """`owner`'s draft of a leaf as a model, or None. `disk`: the leaf as it is on disk now (to tell
    which seeds are new)."""
    draft = sql.get(store, leaf_path, owner.id)
    if draft is None:
        return None
    try:
        contents = load_limited(draft.text, "the draft")
    except ContentError:  # a draft that no longer parses: offer the file instead
        return None
    if not isinstance(contents, Mapping):
        return None
    kinds = {k.value for k in LeafKind}
    kind = LeafKind(draft.kind) if draft.kind in kinds else (disk.kind if disk else LeafKind.FREEFORM_SKILL)
    model = model_from_contents(
        leaf_path,
        contents,
        kind,
        base_sha256=draft.base_sha256,
        attribution=draft.attribution,
        document_start=qna_yaml.has_document_start(draft.text),
        base_text=draft.text,
    )
    model.attribution_base = draft.attribution_base
    on_disk = (
        [dict(s) for s in disk.contents.get("seed_examples", []) if isinstance(s, Mapping)] if disk else []
    )
    for s in model.seeds:
        s.fresh = s.to_dict() not in on_disk
    return model, _info(draft)


def others(store: Store, leaf_path: str, owner: Owner) -> list[DraftInfo]:
    """Drafts of this leaf that belong to someone else, newest first."""
    return [_info(d) for d in sql.of_leaf(store, leaf_path) if d.owner != owner.id]


def take_over(store: Store, leaf_path: str, from_owner: str, owner: Owner) -> bool:
    """Make another owner's draft `owner`'s own (theirs is gone); False if it no longer exists."""
    return sql.take_over(store, leaf_path, from_owner, owner.id, owner.label)


def discard_draft(store: Store, leaf_path: str, owner: Owner) -> None:
    sql.discard(store, leaf_path, owner.id)


def list_drafts(store: Store) -> list[DraftInfo]:
    return [_info(d) for d in sql.all_drafts(store)]
