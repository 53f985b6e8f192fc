"""The Editor's session state: the model being edited, its widgets' keys, who owns its drafts.

State lives in `st.session_state`: the `LeafModel` being edited and a generation number that
prefixes every widget key, so loading another leaf starts from fresh widgets. Every button of the
Editor changes state in an `on_click` callback made by `edit` (pull the widgets, then act), so a
click counts even when it lands while the page is rerunning.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from labui.editing.drafts import Owner
from labui.editing.model import LeafModel
from labui.store import Store
from labui.ui import identity
from labui.ui.nav import QUERY_LEAF

KEY_MODEL = "editor.model"
KEY_GEN = "editor.gen"
KEY_FLASH = "editor.flash"
KEY_CONFLICT = "editor.conflict"
KEY_LAST_DRAFT = "editor.last_draft"
KEY_UPLOAD = "editor.upload_id"
KEY_MEANING = "editor.meaning_check"
KEY_OTHERS = "editor.others"  # someone else's draft of the open leaf: (owner id, label, when)
KEY_FULL_RERUN = "editor.full_rerun"  # a callback switched leaves: the whole page must follow
KEY_OWNER = "editor.owner"
KEY_OWNER_SEEN = "editor.owner_seen"  # the owner id the open model's draft was kept under
QUERY_OWNER = "drafts"  # the draft owner's token: kept in the URL so a refresh finds its drafts


@st.cache_resource(max_entries=4)
def store_for(root: str) -> Store:
    return Store.for_taxonomy(Path(root))


def owner() -> Owner:
    """Whose drafts this tab keeps: the name in the sidebar when one is given (the same name in any tab
    or browser finds them), else this tab's own token. The token rides in the URL: a refresh keeps it,
    another tab or another person opening the same leaf gets a token of its own."""
    ss = st.session_state
    token = ss.get(KEY_OWNER) or st.query_params.get(QUERY_OWNER) or uuid.uuid4().hex[:12]
    ss[KEY_OWNER] = token
    if st.query_params.get(QUERY_OWNER) != token:
        st.query_params[QUERY_OWNER] = token
    name = identity.name()
    return Owner.reviewer(name) if name else Owner.session(token)


def named(owner_id: str) -> str | None:
    """The person's name in a named owner's id (`reviewer:NAME`), None for a browser session."""
    prefix = Owner.reviewer("").id
    return owner_id[len(prefix) :] if owner_id.startswith(prefix) else None


def gen() -> int:
    return int(st.session_state.get(KEY_GEN, 0))


def k(name: str) -> str:
    """The widget key of `name` for the model shown now."""
    return f"ed.{gen()}.{name}"


def model() -> LeafModel | None:
    current = st.session_state.get(KEY_MODEL)
    return current if isinstance(current, LeafModel) else None


def flash(kind: str, message: str) -> None:
    """A message for the next run to show above the forms (`kind`: info, success, warning, error)."""
    st.session_state[KEY_FLASH] = (kind, message)


def set_model(new: LeafModel | None, note: tuple[str, str] | None = None) -> None:
    """Show another model: fresh widgets (new key prefix), the URL follows it, the page reruns whole."""
    ss = st.session_state
    for key in [key for key in ss if isinstance(key, str) and key.startswith(f"ed.{gen()}.")]:
        del ss[key]
    ss[KEY_GEN] = gen() + 1
    ss[KEY_MODEL] = new
    ss[KEY_LAST_DRAFT] = None
    ss[KEY_FULL_RERUN] = True
    ss.pop(KEY_CONFLICT, None)
    if note:
        flash(*note)
    if new is not None:
        st.query_params[QUERY_LEAF] = new.path
    elif QUERY_LEAF in st.query_params:
        del st.query_params[QUERY_LEAF]


def pull(current: LeafModel) -> None:
    """Copy what the widgets hold into the model (the widgets are the truth while they exist)."""
    ss = st.session_state

    def get(name: str, value: str) -> str:
        held = ss.get(k(name), value)
        return held if isinstance(held, str) else value

    current.created_by = get("created_by", current.created_by)
    for name in ("task_description", "domain", "document_outline"):
        if getattr(current, name) is not None:
            setattr(current, name, get(name, getattr(current, name)))
    if current.document is not None:
        current.document.repo = get("doc.repo", current.document.repo)
        current.document.commit = get("doc.commit", current.document.commit)
        patterns = get("doc.patterns", "\n".join(current.document.patterns))
        current.document.patterns = [p.strip() for p in patterns.splitlines() if p.strip()]
    if current.attribution is not None or k("attribution") in ss:
        attribution = get("attribution", current.attribution or "")
        # An empty box beside a leaf that has no attribution.txt means "none", not an empty file.
        current.attribution = attribution if attribution or current.attribution_base is not None else None
    for s in current.seeds:
        s.context = get(f"s.{s.id}.context", s.context)
        if s.qnas is None:
            s.question = get(f"s.{s.id}.question", s.question)
            s.answer = get(f"s.{s.id}.answer", s.answer)
        else:
            for q in s.qnas:
                q.question = get(f"q.{q.id}.question", q.question)
                q.answer = get(f"q.{q.id}.answer", q.answer)


def edit(action: Callable[[LeafModel], Any]) -> Callable[[], None]:
    """An on_click callback: pull the widgets first, so the action sees the latest text."""

    def run() -> None:
        current = model()
        if current is not None:
            pull(current)
            action(current)

    return run
