"""The Editor's right-hand panel: where the leaf stands, and the actions on it.

Errors, seeds still needed, saved or not; the save / revert / download buttons, possible repeats, the
YAML preview, the diff, git changes and the upload."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

import labui.editing as editing
from labui.editing.diff import unified_diff
from labui.editing.model import LeafModel
from labui.editing.similarity import (
    EmbeddingSimilarityIndex,
    SimilarityIndex,
    TextSimilarityIndex,
    find_duplicates,
)
from labui.errors import ContentError, FileRefusedError
from labui.fsio import max_file_bytes, sha256_text
from labui.store import Store
from labui.taxonomy.changes import taxonomy_changes
from labui.taxonomy.model import Leaf, LeafKind, Taxonomy
from labui.ui import editor_save, state
from labui.ui import editor_state as es
from labui.ui.editor_forms import Placed
from labui.ui.text import md_escape

KEY_WAITED = "editor.meaning_waited"  # the meaning job this session showed as not ready yet


def content_key(tx: Taxonomy) -> str:
    """A key that follows the tree's content (not the object's identity) for cached indexes."""
    return sha256_text("\n".join(f"{leaf.path}\0{leaf.sha256}" for leaf in tx.leaves))


@st.cache_resource(max_entries=2, show_spinner=False)
def _index(root: str, content: str, _tx: Taxonomy) -> TextSimilarityIndex:
    return TextSimilarityIndex.from_taxonomy(_tx)


@st.cache_resource(max_entries=2, show_spinner=False)
def _meaning_job(root: str, content: str, _tx: Taxonomy) -> Future[EmbeddingSimilarityIndex]:
    """The meaning index, built in a background thread (loading the encoder and embedding the tree's
    seeds takes seconds to minutes on a CPU): the Editor stays usable meanwhile. One per tree content."""
    store = es.store_for(root)

    def build() -> EmbeddingSimilarityIndex:
        from labui.coverage.embed import DEFAULT_BATCH_SIZE, DEFAULT_MODEL, CachedEmbedder

        encoder = state.encoder(DEFAULT_MODEL, "auto", DEFAULT_BATCH_SIZE)
        return EmbeddingSimilarityIndex.from_taxonomy(_tx, CachedEmbedder(encoder, store))

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="labui-meaning-index")
    job = pool.submit(build)
    pool.shutdown(wait=False)
    return job


def status_panel(
    tx: Taxonomy, store: Store, model: LeafModel, leaf: Leaf, disk: Leaf | None, placed: Placed
) -> None:
    text = leaf.text
    blocking = editing.blocking(leaf.diagnostics)
    need = editing.seeds_needed(model)
    dirty = (
        disk is None or disk.text != text or (model.attribution or None) != (model.attribution_base or None)
    )
    with st.container(border=True):
        m = st.columns(3)
        m[0].metric("Errors", len(blocking))
        m[1].metric("Warnings", leaf.warnings)
        m[2].metric("Seeds" if model.kind is not LeafKind.KNOWLEDGE else "Contexts", len(model.seeds))
        goal = editing.min_seeds(model.kind)
        st.progress(min(1.0, len(model.seeds) / goal) if goal else 1.0, text=need.message(model.kind))
        placed.show("")
        if not dirty:
            st.success("Saved: the file on disk is what you see.", icon=":material/check_circle:")
        elif blocking:
            st.warning(
                "Fix the errors to save. Your edits are kept as a draft meanwhile.",
                icon=":material/edit_note:",
            )
        st.button(
            "Save",
            type="primary",
            icon=":material/save:",
            disabled=not dirty or bool(blocking),
            key=es.k("save"),
            use_container_width=True,
            on_click=editor_save.save,
            args=(tx, store),
        )
        b = st.columns(2)
        b[0].button(
            "Revert",
            help="Throw away the edits and the draft; go back to the file on disk",
            icon=":material/undo:",
            disabled=not dirty or disk is None,
            key=es.k("revert"),
            use_container_width=True,
            on_click=editor_save.revert,
            args=(store, disk),
        )
        b[1].download_button(
            "Download",
            text,
            help="The qna.yaml as it would be written",
            file_name="qna.yaml",
            mime="application/x-yaml",
            icon=":material/download:",
            key=es.k("download"),
            use_container_width=True,
        )
    _duplicates(tx, model)
    tabs = st.tabs(["YAML preview", "Diff with disk", "Changes (git)", "Upload"])
    with tabs[0]:
        st.code(text, language="yaml", line_numbers=True, wrap_lines=True)
    with tabs[1]:
        diff = unified_diff(disk.text if disk else None, text, model.rel_file)
        if diff:
            st.code(diff, language="diff", wrap_lines=True)
        else:
            st.caption("No difference with the file on disk.")
    with tabs[2]:
        _changes(tx)
    with tabs[3]:
        _upload(model)


def _duplicates(tx: Taxonomy, model: LeafModel) -> None:
    meaning = st.toggle(
        "Check repeats by meaning too",
        value=True,
        key=es.KEY_MEANING,
        help="Besides same-words repeats, flag new or edited seeds that say nearly the same as another "
        "seed in other words (sentence encoder; the tree's seeds are embedded once per workspace).",
    )
    changed = {i for i, s in enumerate(model.seeds) if s.changed}
    if not changed:
        return
    content = content_key(tx)
    job = _meaning_job(str(tx.root), content, tx) if meaning else None
    indexes: list[SimilarityIndex] = [_index(str(tx.root), content, tx)]
    if job is not None and not job.done():
        # No timer rerun while it builds: a run the user did not ask for would make two quick clicks
        # on one button arrive together, and Streamlit counts them as one.
        st.session_state[KEY_WAITED] = job
        st.caption(
            ":gray[:material/hourglass_top: The meaning check is getting ready (embedding the tree's seeds); "
            "it joins in from your next edit.]"
        )
    elif job is not None:
        try:
            indexes.append(job.result())
        except Exception as exc:  # a missing or broken model must not stop the editing
            st.caption(f":orange[:material/warning:] The meaning check is unavailable: {md_escape(str(exc))}")
    hits = find_duplicates(model.path, [s.to_seed() for s in model.seeds], indexes, only=changed)
    if not hits:
        return
    with st.container(border=True):
        st.markdown(":orange[:material/content_copy:] **Possible repeats**")
        for h in hits:
            where = f"Seed {h.seed + 1}" + (f", Q&A {h.pair + 1}" if h.pair is not None else "")
            st.markdown(f"- {where} {md_escape(h.message())}")


def _changes(tx: Taxonomy) -> None:
    report = taxonomy_changes(tx.root)
    st.caption(md_escape(report.message))
    if report.changes:
        icons = {"ok": "✅", "warning": "⚠️", "error": "❌", "deleted": "🗑️"}
        rows = [
            {
                "leaf": c.path,
                "change": c.change,
                "status": f"{icons.get(c.status, '')} {c.status}",
                "errors": c.errors,
                "warnings": c.warnings,
            }
            for c in report.changes
        ]
        st.dataframe(rows, hide_index=True, use_container_width=True)


def _upload(model: LeafModel) -> None:
    st.caption("Load a qna.yaml into this leaf's forms. Nothing is written until you save.")
    cap = max_file_bytes()
    up = st.file_uploader("qna.yaml", type=["yaml", "yml"], key=es.k("upload"), label_visibility="collapsed")
    if up is None or st.session_state.get(es.KEY_UPLOAD) == up.file_id:
        return
    st.session_state[es.KEY_UPLOAD] = up.file_id
    try:
        if up.size > cap:  # the same cap as every file labui reads
            raise FileRefusedError(f"it is {up.size:,} bytes, over the {cap:,}-byte cap for one file")
        text = up.getvalue().decode("utf-8")
        fresh = editing.model_from_text(model.path, text, None, model)
    except UnicodeDecodeError:
        st.error(f"Cannot read {md_escape(up.name)}: it is not UTF-8 text.")
        return
    except (ContentError, FileRefusedError) as exc:  # an alias bomb is refused here, before it expands
        st.error(f"Cannot read {md_escape(up.name)}: {md_escape(str(exc))}")
        return
    es.set_model(fresh, ("info", f"Loaded {md_escape(up.name)}. Check it, then save."))
    st.rerun()
