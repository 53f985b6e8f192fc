"""Choosing what the Editor shows: an existing leaf, a new one, or one sent by another page.

Also a leaf someone else has an unsaved draft of (take it over, or start fresh)."""

from __future__ import annotations

from typing import Any

import streamlit as st

import labui.editing as editing
from labui.editing import drafts
from labui.errors import UsageError
from labui.fsio import clean_stray_temps
from labui.store import Store
from labui.taxonomy.model import BRANCHES, LeafKind, Taxonomy
from labui.taxonomy.paths import check_leaf_path
from labui.taxonomy.treeviz import KIND_LABELS
from labui.textutil import plural
from labui.ui import editor_state as es
from labui.ui.nav import KEY_EDITOR_LEAF, KEY_EDITOR_PREFILL, QUERY_LEAF, take
from labui.ui.text import md_code, md_escape

KEY_PICK = "editor.pick"
KINDS = (LeafKind.FREEFORM_SKILL, LeafKind.GROUNDED_SKILL, LeafKind.KNOWLEDGE)


def kind_label(kind: LeafKind) -> str:
    return KIND_LABELS[kind.value]


def open_leaf(tx: Taxonomy, store: Store, path: str) -> None:
    """Open a leaf: this tab's own draft if it has one, else the file (and say if someone else has a
    draft of it). Opening writes nothing: a draft appears only once something changes."""
    leaf = tx.leaf(path)
    owner = es.owner()
    if leaf is not None:
        clean_stray_temps([leaf.file.parent])  # what a save killed mid-write left behind
    st.session_state.pop(es.KEY_OTHERS, None)
    restored = drafts.load_draft(store, path, owner, leaf)
    if restored is not None:
        model, info = restored
        note = f"Restored your unsaved changes from {info.when()}."
        if leaf is not None and info.base_sha256 not in (None, leaf.sha256):
            note += " The file has changed on disk since then: saving will show both versions side by side."
        es.set_model(model, ("info", note))
        return
    others = drafts.others(store, path, owner)
    if leaf is None and not others:
        es.set_model(None, ("error", f"No leaf at {md_code(path)}."))
        return
    if leaf is not None:
        es.set_model(editing.model_from_leaf(leaf))
    else:
        es.set_model(None)
    if others:
        newest = others[0]
        st.session_state[es.KEY_OTHERS] = (path, newest.owner, newest.owner_label, newest.when())


def follow_owner(tx: Taxonomy, store: Store) -> None:
    """The sidebar's name changed while a leaf is open: the open draft follows its new owner.

    The new owner's own draft of the leaf, when there is one, is shown (the old one stays in the
    workspace, offered as someone else's); else the old owner's draft becomes the new owner's."""
    ss = st.session_state
    me = es.owner()
    seen = ss.get(es.KEY_OWNER_SEEN)
    ss[es.KEY_OWNER_SEEN] = me.id
    model = es.model()
    if seen is None or seen == me.id or model is None:
        return
    ss[es.KEY_LAST_DRAFT] = None  # the next autosave writes under the new owner
    if drafts.load_draft(store, model.path, me, tx.leaf(model.path)) is not None:
        open_leaf(tx, store, model.path)
        return
    if drafts.take_over(store, model.path, seen, me):
        es.flash("info", "Your unsaved changes to this leaf are kept under your new name now.")
    ss.pop(es.KEY_OTHERS, None)
    others = drafts.others(store, model.path, me)
    if others:
        ss[es.KEY_OTHERS] = (model.path, others[0].owner, others[0].owner_label, others[0].when())


def take_over(tx: Taxonomy, store: Store, path: str, from_owner: str) -> None:
    """Callback: make someone else's draft of `path` this tab's own and show it."""
    st.session_state.pop(es.KEY_OTHERS, None)
    owner = es.owner()
    if not drafts.take_over(store, path, from_owner, owner):
        es.flash("warning", "That draft is gone (saved or discarded meanwhile); this is the file on disk.")
        return
    restored = drafts.load_draft(store, path, owner, tx.leaf(path))
    if restored is not None:
        es.set_model(restored[0], ("info", f"You took over the unsaved draft from {restored[1].when()}."))


def start_fresh() -> None:
    """Callback: keep editing the file; the other draft stays its owner's."""
    st.session_state.pop(es.KEY_OTHERS, None)


def others_notice(tx: Taxonomy, store: Store) -> None:
    """Someone else's draft of the open leaf: who, when, and the two ways on."""
    others = st.session_state.get(es.KEY_OTHERS)
    model = es.model()
    if not others or (model is not None and model.path != others[0]):
        return
    path, from_owner, label, when = others
    person = es.named(from_owner)
    whose = f"{md_escape(person)}'s draft" if person is not None else f"A draft from {md_escape(label)}"
    with st.container(border=True, key="editor-others-draft"):
        st.warning(
            f"**{whose}, {md_escape(when)}**: unsaved changes to this leaf. "
            "Take them over to continue their work here (the draft becomes yours), or start fresh from the "
            "file on disk (their draft stays theirs).",
            icon=":material/group:",
        )
        b = st.columns(2)
        b[0].button(
            "Take it over",
            icon=":material/move_down:",
            key="editor.take_over",
            on_click=take_over,
            args=(tx, store, path, from_owner),
            use_container_width=True,
        )
        b[1].button(
            "Start fresh",
            icon=":material/restart_alt:",
            key="editor.start_fresh",
            on_click=start_fresh,
            use_container_width=True,
        )


def _prefill(tx: Taxonomy, data: dict[str, Any]) -> None:
    """A new leaf from outside (e.g. a Coverage cluster); an existing leaf gets the seeds appended."""
    path = str(data.get("path") or "")
    try:
        loc = check_leaf_path(tx.root, path)
    except UsageError as exc:
        es.flash("error", f"Cannot open the suggested leaf: {md_escape(str(exc))}")
        return
    rows = [dict(r) for r in data.get("seeds") or []]
    leaf = tx.leaf(loc.path)
    if leaf is not None:
        model = editing.model_from_leaf(leaf)
        merged = editing.merge_seeds(model, editing.seeds_from_rows(rows, model.kind, model.seed_keys))
        es.set_model(
            model, ("info", f"Added {plural(merged.added, 'suggested seed example')} to this existing leaf.")
        )
        return
    kind = LeafKind(data.get("kind") or LeafKind.FREEFORM_SKILL)
    model = editing.new_model(
        loc.path,
        kind,
        str(data.get("created_by") or ""),
        task_description=data.get("task_description"),
        domain=data.get("domain"),
        document_outline=data.get("document_outline"),
        seeds=rows,
    )
    es.set_model(
        model,
        (
            "info",
            f"New {kind_label(kind).lower()} prefilled with {plural(len(model.seeds), 'seed example')}.",
        ),
    )


def incoming(tx: Taxonomy, store: Store) -> None:
    """What another page or the URL asks the Editor to show."""
    prefill = take(KEY_EDITOR_PREFILL)
    leaf = take(KEY_EDITOR_LEAF)
    if isinstance(prefill, dict):
        _prefill(tx, prefill)
    elif isinstance(leaf, str) and leaf:
        current = es.model()
        if current is None or current.path != leaf:
            open_leaf(tx, store, leaf)
    elif es.model() is None and es.KEY_OTHERS not in st.session_state:
        from_url = st.query_params.get(QUERY_LEAF)
        if from_url:
            open_leaf(tx, store, from_url)


def picker(tx: Taxonomy, store: Store) -> None:
    model = es.model()
    me = es.owner()
    by_path: dict[str, list[drafts.DraftInfo]] = {}
    for d in drafts.list_drafts(store):
        by_path.setdefault(d.leaf_path, []).append(d)
    options = sorted({leaf.path for leaf in tx.leaves} | set(by_path))

    def label(path: str) -> str:
        found = by_path.get(path, [])
        if not found:
            return path
        mine = any(d.owner == me.id for d in found)
        person = es.named(found[0].owner)
        what = "your unsaved draft" if mine else f"{person or 'someone'}'s unsaved draft"
        return f"{path}  (new, {what})" if tx.leaf(path) is None else f"{path}  ({what})"

    def on_pick() -> None:
        picked = st.session_state.get(KEY_PICK)
        if picked:
            open_leaf(tx, store, picked)

    cols = st.columns([4, 1.2], vertical_alignment="bottom")
    current = options.index(model.path) if model is not None and model.path in options else None
    cols[0].selectbox(
        "Leaf",
        options,
        index=current,
        format_func=label,
        key=KEY_PICK,
        placeholder="Choose a leaf to edit…",
        on_change=on_pick,
    )
    with cols[1].popover("New leaf", icon=":material/add:", use_container_width=True):
        _new_leaf_form(tx)
    problem = st.session_state.pop("editor.new.problem", None)
    if problem:
        st.error(md_escape(problem))


def _start_new(tx: Taxonomy) -> None:
    """Callback of the new-leaf form: check the place, then start editing (nothing is written yet)."""
    ss = st.session_state
    branch, kind = ss.get("editor.new.branch"), ss.get("editor.new.kind")
    rest = str(ss.get("editor.new.rest") or "").strip().strip("/")
    created_by = str(ss.get("editor.new.created_by") or "").strip()
    try:
        loc = check_leaf_path(tx.root, f"{branch}/{rest}")
        if loc.exists:
            raise UsageError(f"{loc.path} already exists: choose it in the list to edit it.")
        if branch == "knowledge" and kind is not LeafKind.KNOWLEDGE:
            raise UsageError("Leaves under knowledge/ are knowledge leaves: choose the Knowledge kind.")
        if branch != "knowledge" and kind is LeafKind.KNOWLEDGE:
            raise UsageError("Knowledge leaves live under knowledge/: choose that branch.")
        editing.check_new_leaf_place(loc)
    except UsageError as exc:
        ss["editor.new.problem"] = str(exc)
        return
    es.set_model(editing.new_model(loc.path, LeafKind(str(kind)), created_by))


def _new_leaf_form(tx: Taxonomy) -> None:
    with st.form("editor.new", border=False):
        st.selectbox("Branch", BRANCHES, key="editor.new.branch")
        st.text_input(
            "Folder below the branch",
            placeholder="writing/poetry/limerick",
            key="editor.new.rest",
            help="Lowercase letters, digits and underscores; / between folders.",
        )
        st.radio("Kind", KINDS, format_func=kind_label, key="editor.new.kind", horizontal=False)
        st.text_input("Created by", key="editor.new.created_by", placeholder="your GitHub user name")
        st.form_submit_button("Start editing", type="primary", on_click=_start_new, args=(tx,))
