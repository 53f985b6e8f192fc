"""Saving from the Editor: the save and revert callbacks, the conflict view, and the draft autosave."""

from __future__ import annotations

from typing import Any

import streamlit as st

import labui.editing as editing
from labui.editing import drafts
from labui.editing.diff import unified_diff
from labui.editing.model import LeafModel
from labui.errors import UsageError
from labui.store import Store
from labui.taxonomy.model import Leaf, Taxonomy
from labui.ui import editor_state as es
from labui.ui.text import md_escape


def save(tx: Taxonomy, store: Store, *, force: bool = False) -> None:
    """Callback: write the leaf (or keep what went wrong for the page to show)."""
    model = es.model()
    if model is None:
        return
    es.pull(model)
    st.session_state.pop(es.KEY_CONFLICT, None)
    try:
        result = editing.save_model(tx.root, model, force=force)
    except editing.LeafConflictError as exc:
        st.session_state[es.KEY_CONFLICT] = {
            "disk": exc.disk_text,
            "mine": exc.mine_text,
            "file": exc.rel_file,
        }
        return
    except (editing.LeafContentError, UsageError) as exc:
        es.flash("error", md_escape(str(exc)))
        return
    drafts.discard_draft(store, model.path, es.owner())
    if not result.wrote_leaf and not result.wrote_attribution:
        note = f"Nothing to save: {md_escape(result.leaf.rel_file)} already holds exactly this."
    else:
        note = f"Saved {md_escape(result.leaf.rel_file)}" + (
            " and attribution.txt." if result.wrote_attribution else "."
        )
    es.set_model(editing.after_save(model, result), ("success", note))


def revert(store: Store, disk: Leaf | None) -> None:
    """Callback: throw away the edits and this tab's draft; back to the file on disk."""
    model = es.model()
    if model is None:
        return
    drafts.discard_draft(store, model.path, es.owner())
    if disk is not None:
        es.set_model(
            editing.model_from_leaf(disk), ("info", "Reverted to the file on disk; the draft is gone.")
        )


def _take_disk(tx: Taxonomy, store: Store) -> None:
    model = es.model()
    if model is None:
        return
    leaf = tx.leaf(model.path)
    drafts.discard_draft(store, model.path, es.owner())
    if leaf is not None:
        es.set_model(editing.model_from_leaf(leaf), ("info", "Now editing the version on disk."))
    else:
        es.set_model(None)


def conflict_view(tx: Taxonomy, store: Store, conflict: dict[str, Any]) -> None:
    with st.container(border=True):
        st.error(
            f"**{md_escape(conflict['file'])} changed on disk since you opened it.** Nothing was written. Both "
            "versions are below: merge what you need into your version, then save it over the disk version, or "
            "switch to the disk version (download yours first if you want to keep it).",
            icon=":material/sync_problem:",
        )
        cols = st.columns(2)
        with cols[0]:
            st.markdown("**On disk now**")
            disk = conflict["disk"] if conflict["disk"] is not None else "(deleted)"
            st.code(disk, language="yaml", wrap_lines=True)
        with cols[1]:
            st.markdown("**Yours**")
            st.code(conflict["mine"], language="yaml", wrap_lines=True)
        with st.expander("What differs"):
            diff = unified_diff(conflict["disk"], conflict["mine"], conflict["file"])
            st.code(diff or "(no difference)", language="diff")
        b = st.columns(3)
        b[0].button(
            "Save mine over the disk version",
            type="primary",
            key=es.k("force"),
            on_click=save,
            args=(tx, store),
            kwargs={"force": True},
        )
        b[1].download_button(
            "Download mine", conflict["mine"], file_name="qna.mine.yaml", key=es.k("dl-mine")
        )
        b[2].button(
            "Switch to the disk version", key=es.k("take-disk"), on_click=_take_disk, args=(tx, store)
        )


def autosave(store: Store, model: LeafModel, disk: Leaf | None) -> None:
    """Keep this tab's unsaved edits in the workspace; no draft while the forms match the disk."""
    text = model.to_text()
    key = (model.path, text, model.attribution, model.kind)
    if st.session_state.get(es.KEY_LAST_DRAFT) == key:
        return
    if drafts.is_edited(model, disk):
        drafts.save_draft(store, model, es.owner())
    else:
        drafts.discard_draft(store, model.path, es.owner())
    st.session_state[es.KEY_LAST_DRAFT] = key
