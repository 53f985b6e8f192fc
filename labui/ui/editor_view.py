"""The Editor page: pick or create a leaf, edit it in forms with live validation, save safely.

State lives in `st.session_state`: the `LeafModel` being edited (labui.editing) and a generation
number that prefixes every widget key, so loading another leaf starts from fresh widgets. Each run
first pulls the widgets' values into the model, then validates it, then draws the forms with the
problems beside the fields they concern. Unsaved edits go to the workspace database as a draft on
every run; the open leaf's path is kept in the URL (`?leaf=`), so a browser refresh comes back to
the same leaf and its draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from labui.editing import leaf as editing
from labui.editing.leaf import LeafModel, SeedDraft
from labui.editing.similarity import (
    EmbeddingSimilarityIndex,
    SimilarityIndex,
    TextSimilarityIndex,
    find_duplicates,
)
from labui.errors import ContentError, UsageError
from labui.store import Store
from labui.taxonomy.changes import taxonomy_changes
from labui.taxonomy.paths import check_leaf_path
from labui.taxonomy.tree import BRANCHES, Leaf, LeafKind, Taxonomy
from labui.taxonomy.validate import MAX_CONTEXT_WORDS, MAX_QNA_WORDS, Diagnostic, Severity
from labui.ui import state
from labui.ui.text import md_escape

KEY_MODEL = "editor.model"
KEY_GEN = "editor.gen"
KEY_FLASH = "editor.flash"
KEY_CONFLICT = "editor.conflict"
KEY_LAST_DRAFT = "editor.last_draft"
KEY_UPLOAD = "editor.upload_id"
KEY_RESTORED = "editor.restored"
KEY_MEANING = "editor.meaning_check"
KEY_LEAF = "editor_leaf"  # set by the Taxonomy page: open this leaf
KEY_PREFILL = "editor_prefill"  # set by the Coverage page: a new leaf from a cluster
QUERY_LEAF = "leaf"

KIND_LABELS = {
    LeafKind.FREEFORM_SKILL: "Freeform skill",
    LeafKind.GROUNDED_SKILL: "Grounded skill (with context)",
    LeafKind.KNOWLEDGE: "Knowledge",
}


# --------------------------------------------------------------------------------------------------
# Cached resources.


@st.cache_resource(max_entries=4)
def _store(root: str) -> Store:
    return Store.for_taxonomy(Path(root))


@st.cache_resource(max_entries=2, show_spinner=False)
def _index(root: str, version: int, _tx: Taxonomy) -> TextSimilarityIndex:
    # `version` follows the cached Taxonomy object (a new one after any change on disk).
    return TextSimilarityIndex.from_taxonomy(_tx)


@st.cache_resource(
    max_entries=2, show_spinner="Embedding the tree's seeds for the meaning check (cached in the workspace)…"
)
def _meaning_index(root: str, version: int, _tx: Taxonomy) -> EmbeddingSimilarityIndex:
    from labui.coverage.embed import DEFAULT_BATCH_SIZE, DEFAULT_MODEL, CachedEmbedder

    encoder = state.encoder(DEFAULT_MODEL, "auto", DEFAULT_BATCH_SIZE)
    return EmbeddingSimilarityIndex.from_taxonomy(_tx, CachedEmbedder(encoder, _store(root)))


# --------------------------------------------------------------------------------------------------
# Model <-> widgets.


def _gen() -> int:
    return int(st.session_state.get(KEY_GEN, 0))


def _k(name: str) -> str:
    return f"ed.{_gen()}.{name}"


def _model() -> LeafModel | None:
    model = st.session_state.get(KEY_MODEL)
    return model if isinstance(model, LeafModel) else None


def _set_model(model: LeafModel | None, flash: tuple[str, str] | None = None) -> None:
    """Show another model: fresh widgets (new key prefix), the URL follows it."""
    ss = st.session_state
    for key in [k for k in ss if isinstance(k, str) and k.startswith(f"ed.{_gen()}.")]:
        del ss[key]
    ss[KEY_GEN] = _gen() + 1
    ss[KEY_MODEL] = model
    ss[KEY_LAST_DRAFT] = None
    ss.pop(KEY_CONFLICT, None)
    if flash:
        ss[KEY_FLASH] = flash
    if model is not None:
        st.query_params[QUERY_LEAF] = model.path
    elif QUERY_LEAF in st.query_params:
        del st.query_params[QUERY_LEAF]


def _pull(model: LeafModel) -> None:
    """Copy what the widgets hold into the model (the widgets are the truth while they exist)."""
    ss = st.session_state

    def get(name: str, current: str) -> str:
        value = ss.get(_k(name), current)
        return value if isinstance(value, str) else current

    model.created_by = get("created_by", model.created_by)
    for name in ("task_description", "domain", "document_outline"):
        if getattr(model, name) is not None:
            setattr(model, name, get(name, getattr(model, name)))
    if model.document is not None:
        model.document.repo = get("doc.repo", model.document.repo)
        model.document.commit = get("doc.commit", model.document.commit)
        patterns = get("doc.patterns", "\n".join(model.document.patterns))
        model.document.patterns = [p.strip() for p in patterns.splitlines() if p.strip()]
    if model.attribution is not None or _k("attribution") in ss:
        attribution = get("attribution", model.attribution or "")
        # An empty box beside a leaf that has no attribution.txt means "none", not an empty file.
        model.attribution = attribution if attribution or model.attribution_base is not None else None
    for s in model.seeds:
        s.context = get(f"s.{s.id}.context", s.context)
        if s.qnas is None:
            s.question = get(f"s.{s.id}.question", s.question)
            s.answer = get(f"s.{s.id}.answer", s.answer)
        else:
            for q in s.qnas:
                q.question = get(f"q.{q.id}.question", q.question)
                q.answer = get(f"q.{q.id}.answer", q.answer)


def _edit(action: Callable[[LeafModel], Any]) -> Callable[[], None]:
    """A button callback: pull the widgets first, so the action sees the latest text."""

    def run() -> None:
        model = _model()
        if model is not None:
            _pull(model)
            action(model)

    return run


# --------------------------------------------------------------------------------------------------
# Opening leaves.


def _open(tx: Taxonomy, store: Store, path: str) -> None:
    leaf = tx.leaf(path)
    restored = editing.load_draft(store, path, leaf)
    if restored is not None:
        model, info = restored
        when = dt.datetime.fromtimestamp(info.updated_at).strftime("%Y-%m-%d %H:%M")
        note = f"Restored your unsaved changes from {when}."
        if leaf is not None and info.base_sha256 not in (None, leaf.sha256):
            note += " The file has changed on disk since then: saving will show both versions side by side."
        _set_model(model, ("info", note))
        st.session_state[KEY_RESTORED] = path
        return
    if leaf is None:
        _set_model(None, ("error", f"No leaf at `{path}`."))
        return
    _set_model(editing.model_from_leaf(leaf))
    st.session_state[KEY_RESTORED] = None


def _prefill(tx: Taxonomy, store: Store, data: dict[str, Any]) -> None:
    """A new leaf from outside (e.g. a Coverage cluster); an existing leaf gets the seeds appended."""
    path = str(data.get("path") or "")
    try:
        loc = check_leaf_path(tx.root, path)
    except UsageError as exc:
        st.session_state[KEY_FLASH] = ("error", f"Cannot open the suggested leaf: {exc}")
        return
    rows = [dict(r) for r in data.get("seeds") or []]
    leaf = tx.leaf(loc.path)
    if leaf is not None:
        model = editing.model_from_leaf(leaf)
        merged = editing.merge_seeds(model, editing.seeds_from_rows(rows, model.kind, model.seed_keys))
        _set_model(model, ("info", f"Added {merged.added} suggested seed examples to this existing leaf."))
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
    _set_model(
        model, ("info", f"New {KIND_LABELS[kind].lower()} prefilled with {len(model.seeds)} seed examples.")
    )


def _incoming(tx: Taxonomy, store: Store) -> None:
    ss = st.session_state
    prefill = ss.pop(KEY_PREFILL, None)
    leaf = ss.pop(KEY_LEAF, None)
    if isinstance(prefill, dict):
        _prefill(tx, store, prefill)
    elif isinstance(leaf, str) and leaf:
        current = _model()
        if current is None or current.path != leaf:
            _open(tx, store, leaf)
    elif _model() is None:
        from_url = st.query_params.get(QUERY_LEAF)
        if from_url:
            _open(tx, store, from_url)


# --------------------------------------------------------------------------------------------------
# Drawing helpers.


def _problems(diags: list[Diagnostic]) -> None:
    for d in diags:
        icon = ":material/error:" if d.severity is Severity.ERROR else ":material/warning:"
        color = "red" if d.severity is Severity.ERROR else "orange"
        st.markdown(f":{color}[{icon} line {d.line}: {d.message}]")


def _advice(items: list[str]) -> None:
    for msg in items:
        st.markdown(f":orange[:material/lightbulb: {msg}]")


def _count(n: int, limit: int, what: str) -> str:
    color = "red" if n > limit else "gray"
    return f":{color}[{what}{n} / {limit} words]"


class _Placed:
    """Diagnostics and editor advice by the field that shows them."""

    def __init__(self, model: LeafModel, leaf: Leaf, advice: list[tuple[str, str]]) -> None:
        rendered = editing.rendered_fields(model)
        self.diags = editing.place_diagnostics(editing.diagnostics_by_field(leaf), rendered)
        self.advice: dict[str, list[str]] = {}
        placeholders = [m.split("'")[1] for k, m in advice if k == "attribution" and "placeholder" in m]
        for key, msg in advice:
            if key == "attribution" and "placeholder" in msg:
                continue
            self.advice.setdefault(editing.nearest_field(key, rendered), []).append(msg)
        if placeholders:  # one line, not one per field
            self.advice.setdefault("attribution", []).append(
                f"still placeholders (TODO) in attribution.txt: {', '.join(placeholders)}"
            )

    def show(self, key: str) -> None:
        _problems(self.diags.get(key, []))
        _advice(self.advice.get(key, []))


def _text(
    label: str, key: str, value: str, *, area: bool = True, height: int | None = None, **kw: Any
) -> str:
    if area:
        return str(st.text_area(label, value=value, key=_k(key), height=height, **kw))
    return str(st.text_input(label, value=value, key=_k(key), **kw))


# --------------------------------------------------------------------------------------------------
# The page.


def render() -> None:
    st.title("Editor")
    tx = state.current_taxonomy()
    if tx is None:
        return
    store = _store(str(tx.root))
    _incoming(tx, store)
    flash = st.session_state.pop(KEY_FLASH, None)
    _picker(tx, store)
    if flash:
        getattr(st, flash[0])(flash[1])
    model = _model()
    if model is None:
        st.info(
            "Open a leaf above, or start a new one. Edits are kept as a draft in the workspace until you save.",
            icon=":material/edit_note:",
        )
        return
    _pull(model)
    leaf = model.to_leaf(tx.root / model.path / "qna.yaml")
    disk = tx.leaf(model.path)
    # Keep the draft before drawing anything slow: a refresh or a new edit stops this run part-way.
    _autosave(store, model, leaf, disk)
    placed = _Placed(model, leaf, editing.editor_advice(model))
    conflict = st.session_state.get(KEY_CONFLICT)
    if conflict:
        _conflict_view(tx, store, model, conflict)

    left, right = st.columns([3, 2], gap="large")
    with left:
        _header_fields(model, placed)
        _seed_cards(model, placed)
    with right:
        _status_panel(tx, store, model, leaf, disk, placed)


def _picker(tx: Taxonomy, store: Store) -> None:
    model = _model()
    drafts = {d.leaf_path: d for d in editing.list_drafts(store)}
    options = sorted({leaf.path for leaf in tx.leaves} | set(drafts))

    def label(path: str) -> str:
        d = drafts.get(path)
        if d is None:
            return path
        return f"{path}  (new, draft)" if tx.leaf(path) is None else f"{path}  (unsaved draft)"

    def on_pick() -> None:
        picked = st.session_state.get("editor.pick")
        if picked:
            _open(tx, store, picked)

    cols = st.columns([4, 1.2], vertical_alignment="bottom")
    current = options.index(model.path) if model is not None and model.path in options else None
    cols[0].selectbox(
        "Leaf",
        options,
        index=current,
        format_func=label,
        key="editor.pick",
        placeholder="Choose a leaf to edit…",
        on_change=on_pick,
    )
    with cols[1].popover("New leaf", icon=":material/add:", use_container_width=True):
        _new_leaf_form(tx)


def _new_leaf_form(tx: Taxonomy) -> None:
    with st.form("editor.new", border=False):
        branch = st.selectbox("Branch", BRANCHES, key="editor.new.branch")
        rest = st.text_input(
            "Folder below the branch",
            placeholder="writing/poetry/limerick",
            key="editor.new.rest",
            help="Lowercase letters, digits and underscores; / between folders.",
        )
        kind = st.radio(
            "Kind",
            list(KIND_LABELS),
            format_func=KIND_LABELS.__getitem__,
            key="editor.new.kind",
            horizontal=False,
        )
        created_by = st.text_input(
            "Created by", key="editor.new.created_by", placeholder="your GitHub user name"
        )
        if st.form_submit_button("Start editing", type="primary"):
            path = f"{branch}/{rest.strip().strip('/')}"
            try:
                loc = check_leaf_path(tx.root, path)
            except UsageError as exc:
                st.error(str(exc))
                return
            if loc.exists:
                st.error(f"`{loc.path}` already exists: choose it in the list to edit it.")
                return
            if branch == "knowledge" and kind is not LeafKind.KNOWLEDGE:
                st.error("Leaves under knowledge/ are knowledge leaves: choose the Knowledge kind.")
                return
            if branch != "knowledge" and kind is LeafKind.KNOWLEDGE:
                st.error("Knowledge leaves live under knowledge/: choose that branch.")
                return
            _set_model(editing.new_model(loc.path, kind, created_by.strip()))
            st.rerun()


def _header_fields(model: LeafModel, placed: _Placed) -> None:
    badge = "new leaf" if model.is_new else f"version {model.version or 1}"
    st.subheader(model.path)
    st.caption(f"{KIND_LABELS[model.kind]} · {badge}")
    if model.version is None or model.version < editing.latest_version():
        with st.container(border=True):
            st.markdown(
                f"This leaf uses schema version {model.version or 1}. It is kept as it is unless you ask to upgrade "
                f"it to version {editing.latest_version()} (which also needs an attribution.txt)."
            )
            st.button(
                f"Upgrade to version {editing.latest_version()}",
                key=_k("upgrade"),
                on_click=_edit(_upgrade),
                icon=":material/upgrade:",
            )
    _text("Created by", "created_by", model.created_by, area=False)
    placed.show("created_by")
    if model.kind is not LeafKind.KNOWLEDGE:
        with st.container():
            grounded = st.toggle(
                "Seeds have a context (grounded skill)",
                value=model.kind is LeafKind.GROUNDED_SKILL,
                key=_k("grounded"),
            )
            model.kind = LeafKind.GROUNDED_SKILL if grounded else LeafKind.FREEFORM_SKILL
    if model.task_description is not None:
        _text("Task description", "task_description", model.task_description, height=100)
        st.caption(f":gray[{editing.words(model.task_description)} words]")
        placed.show("task_description")
    if model.domain is not None:
        _text("Domain", "domain", model.domain, area=False, placeholder="e.g. Astronomy")
        placed.show("domain")
    if model.document_outline is not None:
        _text("Document outline", "document_outline", model.document_outline, height=90)
        placed.show("document_outline")
    if model.document is not None:
        with st.container(border=True):
            st.markdown("**Source document**")
            c = st.columns([3, 2])
            with c[0]:
                _text("Repository URL", "doc.repo", model.document.repo, area=False)
                placed.show("document.repo")
            with c[1]:
                _text("Commit", "doc.commit", model.document.commit, area=False)
                placed.show("document.commit")
            _text(
                "File patterns (one per line)", "doc.patterns", "\n".join(model.document.patterns), height=70
            )
            placed.show("document.patterns")
            placed.show("document")
    with st.expander("Attribution (attribution.txt)", expanded=model.is_new):
        _text(
            "attribution.txt",
            "attribution",
            model.attribution or "",
            height=140,
            label_visibility="collapsed",
        )
        placed.show("attribution")


def _upgrade(model: LeafModel) -> None:
    model.upgrade()
    if not (model.attribution or "").strip():
        model.attribution = editing.default_attribution(model).text()
    _set_model(model, ("info", f"Upgraded to version {model.version}: check the fields, then save."))


def _seed_cards(model: LeafModel, placed: _Placed) -> None:
    knowledge = model.kind is LeafKind.KNOWLEDGE
    st.markdown(
        f"#### {'Contexts and their Q&A pairs' if knowledge else 'Seed examples'} ({len(model.seeds)})"
    )
    placed.show("seed_examples")
    n = len(model.seeds)
    for i, seed in enumerate(model.seeds):
        with st.container(border=True, key=f"editor-seed-{seed.id}"):
            head = st.columns([5, 1, 1, 1, 1], vertical_alignment="center")
            new = " · new" if seed.origin is None else (" · edited" if seed.changed else "")
            head[0].markdown(f"**{'Context' if knowledge else 'Seed'} {i + 1}**:gray[{new}]")
            head[1].button(
                "",
                icon=":material/arrow_upward:",
                key=_k(f"up.{seed.id}"),
                help="Move up",
                disabled=i == 0,
                on_click=_edit(partial(LeafModel.move_seed, seed_id=seed.id, delta=-1)),
            )
            head[2].button(
                "",
                icon=":material/arrow_downward:",
                key=_k(f"down.{seed.id}"),
                help="Move down",
                disabled=i == n - 1,
                on_click=_edit(partial(LeafModel.move_seed, seed_id=seed.id, delta=1)),
            )
            head[3].button(
                "",
                icon=":material/content_copy:",
                key=_k(f"dup.{seed.id}"),
                help="Duplicate",
                on_click=_edit(partial(LeafModel.duplicate_seed, seed_id=seed.id)),
            )
            head[4].button(
                "",
                icon=":material/delete:",
                key=_k(f"del.{seed.id}"),
                help="Remove",
                on_click=_edit(partial(LeafModel.remove_seed, seed_id=seed.id)),
            )
            placed.show(f"seed_examples.{i}")
            if knowledge or model.kind is LeafKind.GROUNDED_SKILL or seed.context:
                _text("Context", f"s.{seed.id}.context", seed.context, height=120 if knowledge else 90)
                st.caption(_count(editing.words(seed.context), MAX_CONTEXT_WORDS, "context: "))
                placed.show(f"seed_examples.{i}.context")
            if seed.qnas is None:
                _text("Question", f"s.{seed.id}.question", seed.question, height=80)
                placed.show(f"seed_examples.{i}.question")
                _text("Answer", f"s.{seed.id}.answer", seed.answer, height=120)
                placed.show(f"seed_examples.{i}.answer")
                st.caption(
                    _count(editing.words(seed.question) + editing.words(seed.answer), MAX_QNA_WORDS, "Q&A: ")
                )
            else:
                _qna_rows(model, seed, i, placed)
    label = "Add a context" if knowledge else "Add a seed example"
    st.button(label, icon=":material/add:", key=_k("add"), on_click=_edit(lambda m: m.add_seed()))


def _qna_rows(model: LeafModel, seed: SeedDraft, i: int, placed: _Placed) -> None:
    placed.show(f"seed_examples.{i}.questions_and_answers")
    for j, qa in enumerate(seed.qnas or []):
        where = f"seed_examples.{i}.questions_and_answers.{j}"
        cols = st.columns([12, 1], vertical_alignment="top")
        with cols[0]:
            _text(f"Question {j + 1}", f"q.{qa.id}.question", qa.question, area=False)
            placed.show(f"{where}.question")
            _text(f"Answer {j + 1}", f"q.{qa.id}.answer", qa.answer, height=80)
            placed.show(f"{where}.answer")
            st.caption(_count(editing.words(qa.question) + editing.words(qa.answer), MAX_QNA_WORDS, "Q&A: "))
            placed.show(where)
        cols[1].button(
            "",
            icon=":material/close:",
            key=_k(f"delq.{qa.id}"),
            help="Remove this Q&A pair",
            on_click=_edit(partial(LeafModel.remove_qna, seed_id=seed.id, qna_id=qa.id)),
        )
    st.button(
        "Add a Q&A pair",
        icon=":material/add:",
        key=_k(f"addq.{seed.id}"),
        on_click=_edit(partial(LeafModel.add_qna, seed_id=seed.id)),
    )


def _status_panel(
    tx: Taxonomy, store: Store, model: LeafModel, leaf: Leaf, disk: Leaf | None, placed: _Placed
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
        if st.button(
            "Save",
            type="primary",
            icon=":material/save:",
            disabled=not dirty or bool(blocking),
            key=_k("save"),
            use_container_width=True,
        ):
            _save(tx, store, model)
        b = st.columns(2)
        if b[0].button(
            "Revert",
            help="Throw away the edits and the draft; go back to the file on disk",
            icon=":material/undo:",
            disabled=not dirty or disk is None,
            key=_k("revert"),
            use_container_width=True,
        ):
            editing.discard_draft(store, model.path)
            if disk is not None:
                _set_model(
                    editing.model_from_leaf(disk),
                    ("info", "Reverted to the file on disk; the draft is gone."),
                )
            st.rerun()
        b[1].download_button(
            "Download",
            text,
            help="The qna.yaml as it would be written",
            file_name="qna.yaml",
            mime="application/x-yaml",
            icon=":material/download:",
            key=_k("download"),
            use_container_width=True,
        )
    _duplicates(tx, model)
    tabs = st.tabs(["YAML preview", "Diff with disk", "Changes (git)", "Upload"])
    with tabs[0]:
        st.code(text, language="yaml", line_numbers=True, wrap_lines=True)
    with tabs[1]:
        diff = editing.unified_diff(disk.text if disk else None, text, model.rel_file)
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
        key=KEY_MEANING,
        help="Besides same-words repeats, flag new or edited seeds that say nearly the same as another "
        "seed in other words (sentence encoder; the tree's seeds are embedded once per workspace).",
    )
    seeds = [s.to_seed() for s in model.seeds]
    changed = {i for i, s in enumerate(model.seeds) if s.changed}
    if not changed:
        return
    indexes: list[SimilarityIndex] = [_index(str(tx.root), id(tx), tx)]
    if meaning:
        try:
            indexes.append(_meaning_index(str(tx.root), id(tx), tx))
        except Exception as exc:  # a missing or broken model must not stop the editing
            st.caption(f":orange[:material/warning:] The meaning check is unavailable: {exc}")
    hits = find_duplicates(model.path, seeds, indexes, only=changed)
    if not hits:
        return
    with st.container(border=True):
        st.markdown(":orange[:material/content_copy:] **Possible repeats**")
        for h in hits:
            where = f"Seed {h.seed + 1}" + (f", Q&A {h.pair + 1}" if h.pair is not None else "")
            st.markdown(f"- {where} {md_escape(h.message())}")


def _changes(tx: Taxonomy) -> None:
    report = taxonomy_changes(tx.root)
    st.caption(report.message)
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
    up = st.file_uploader("qna.yaml", type=["yaml", "yml"], key=_k("upload"), label_visibility="collapsed")
    if up is None or st.session_state.get(KEY_UPLOAD) == up.file_id:
        return
    st.session_state[KEY_UPLOAD] = up.file_id
    try:
        text = up.getvalue().decode("utf-8")
        fresh = editing.model_from_text(model.path, text, None, model)
    except (UnicodeDecodeError, ContentError, ValueError) as exc:
        st.error(f"Cannot read {up.name}: {exc}")
        return
    except Exception as exc:  # a YAML syntax error: say where
        st.error(f"Cannot read {up.name}: {exc}")
        return
    _set_model(fresh, ("info", f"Loaded {up.name}. Check it, then save."))
    st.rerun()


def _save(tx: Taxonomy, store: Store, model: LeafModel, *, force: bool = False) -> None:
    try:
        result = editing.save_model(tx.root, model, force=force)
    except editing.LeafConflictError as exc:
        st.session_state[KEY_CONFLICT] = {"disk": exc.disk_text, "mine": exc.mine_text, "file": exc.rel_file}
        st.rerun()
    except editing.LeafContentError as exc:
        st.session_state[KEY_FLASH] = ("error", str(exc))
        st.rerun()
    except UsageError as exc:
        st.session_state[KEY_FLASH] = ("error", str(exc))
        st.rerun()
    else:
        editing.discard_draft(store, model.path)
        fresh = editing.after_save(model, result)
        note = f"Saved {result.leaf.rel_file}" + (
            " and attribution.txt." if result.wrote_attribution else "."
        )
        _set_model(fresh, ("success", note))
        st.rerun()


def _conflict_view(tx: Taxonomy, store: Store, model: LeafModel, conflict: dict[str, Any]) -> None:
    with st.container(border=True):
        st.error(
            f"**{conflict['file']} changed on disk since you opened it.** Nothing was written. Both versions are "
            "below: merge what you need into your version, then save it over the disk version, or switch to the "
            "disk version (download yours first if you want to keep it).",
            icon=":material/sync_problem:",
        )
        cols = st.columns(2)
        with cols[0]:
            st.markdown("**On disk now**")
            st.code(
                conflict["disk"] if conflict["disk"] is not None else "(deleted)",
                language="yaml",
                wrap_lines=True,
            )
        with cols[1]:
            st.markdown("**Yours**")
            st.code(conflict["mine"], language="yaml", wrap_lines=True)
        diff = editing.unified_diff(conflict["disk"], conflict["mine"], conflict["file"])
        with st.expander("What differs"):
            st.code(diff or "(no difference)", language="diff")
        b = st.columns(3)
        if b[0].button("Save mine over the disk version", type="primary", key=_k("force")):
            st.session_state.pop(KEY_CONFLICT, None)
            _save(tx, store, model, force=True)
        b[1].download_button("Download mine", conflict["mine"], file_name="qna.mine.yaml", key=_k("dl-mine"))
        if b[2].button("Switch to the disk version", key=_k("take-disk")):
            leaf = tx.leaf(model.path)
            editing.discard_draft(store, model.path)
            if leaf is not None:
                _set_model(editing.model_from_leaf(leaf), ("info", "Now editing the version on disk."))
            else:
                _set_model(None)
            st.rerun()


def _autosave(store: Store, model: LeafModel, leaf: Leaf, disk: Leaf | None) -> None:
    """Keep unsaved edits in the workspace; forget the draft when the forms match the disk again."""
    text = leaf.text
    same = (
        disk is not None
        and disk.text == text
        and (model.attribution or None) == (model.attribution_base or None)
    )
    key = (model.path, text, model.attribution, model.kind)
    if st.session_state.get(KEY_LAST_DRAFT) == key:
        return
    if same:
        editing.discard_draft(store, model.path)
    else:
        editing.save_draft(store, model)
    st.session_state[KEY_LAST_DRAFT] = key
