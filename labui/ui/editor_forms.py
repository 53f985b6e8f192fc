"""The Editor's forms: the leaf's fields and its seed cards, each with the problems that concern it.

Every button here acts in an `on_click` callback (`editor_state.edit`), so the change is made
before the rerun that draws it and a click is never lost to a rerun in progress.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

import labui.editing as editing
from labui.editing import placement
from labui.editing.model import LeafModel, SeedDraft
from labui.taxonomy.diagnostics import Diagnostic, Severity
from labui.taxonomy.model import Leaf, LeafKind
from labui.taxonomy.validate import MAX_CONTEXT_WORDS, MAX_QNA_WORDS, latest_version
from labui.textutil import words
from labui.ui import editor_state as es
from labui.ui.editor_open import kind_label
from labui.ui.text import md_escape


def _problems(diags: list[Diagnostic]) -> None:
    for d in diags:
        icon = ":material/error:" if d.severity == Severity.ERROR else ":material/warning:"
        color = "red" if d.severity == Severity.ERROR else "orange"
        st.markdown(f":{color}[{icon} line {d.line}: {md_escape(d.message)}]")


def _advice(items: list[str]) -> None:
    for msg in items:
        st.markdown(f":orange[:material/lightbulb: {md_escape(msg)}]")


def _count(n: int, limit: int, what: str) -> str:
    color = "red" if n > limit else "gray"
    return f":{color}[{what}{n} / {limit} words]"


class Placed:
    """Diagnostics and editor advice by the field that shows them."""

    def __init__(self, model: LeafModel, leaf: Leaf) -> None:
        rendered = placement.rendered_fields(model)
        self.diags = placement.place_diagnostics(placement.diagnostics_by_field(leaf), rendered)
        self.advice: dict[str, list[str]] = {}
        advice = placement.editor_advice(model)
        placeholders = [m.split("'")[1] for key, m in advice if key == "attribution" and "placeholder" in m]
        for key, msg in advice:
            if key == "attribution" and "placeholder" in msg:
                continue
            self.advice.setdefault(placement.nearest_field(key, rendered), []).append(msg)
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
        return str(st.text_area(label, value=value, key=es.k(key), height=height, **kw))
    return str(st.text_input(label, value=value, key=es.k(key), **kw))


def _upgrade(model: LeafModel) -> None:
    model.upgrade()
    if not (model.attribution or "").strip():
        model.attribution = editing.default_attribution(model).text()
    es.set_model(model, ("info", f"Upgraded to version {model.version}: check the fields, then save."))


def _set_grounded(model: LeafModel) -> None:
    grounded = bool(st.session_state.get(es.k("grounded")))
    model.kind = LeafKind.GROUNDED_SKILL if grounded else LeafKind.FREEFORM_SKILL


def header_fields(model: LeafModel, placed: Placed) -> None:
    badge = "new leaf" if model.is_new else f"version {model.version or 1}"
    st.subheader(model.path)
    st.caption(f"{kind_label(model.kind)} · {badge}")
    if model.version is None or model.version < latest_version():
        with st.container(border=True):
            st.markdown(
                f"This leaf uses schema version {model.version or 1}. It is kept as it is unless you ask to upgrade "
                f"it to version {latest_version()} (which also needs an attribution.txt)."
            )
            st.button(
                f"Upgrade to version {latest_version()}",
                key=es.k("upgrade"),
                on_click=es.edit(_upgrade),
                icon=":material/upgrade:",
            )
    _text("Created by", "created_by", model.created_by, area=False)
    placed.show("created_by")
    if model.kind is not LeafKind.KNOWLEDGE:
        st.toggle(
            "Seeds have a context (grounded skill)",
            value=model.kind is LeafKind.GROUNDED_SKILL,
            key=es.k("grounded"),
            on_change=es.edit(_set_grounded),
        )
    if model.task_description is not None:
        _text("Task description", "task_description", model.task_description, height=100)
        st.caption(f":gray[{words(model.task_description)} words]")
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


def _card_buttons(model: LeafModel, seed: SeedDraft, i: int, cols: list[Any]) -> None:
    n = len(model.seeds)
    for col, name, icon, helptext, disabled, action in (
        (
            cols[1],
            "up",
            "arrow_upward",
            "Move up",
            i == 0,
            partial(LeafModel.move_seed, seed_id=seed.id, delta=-1),
        ),
        (
            cols[2],
            "down",
            "arrow_downward",
            "Move down",
            i == n - 1,
            partial(LeafModel.move_seed, seed_id=seed.id, delta=1),
        ),
        (
            cols[3],
            "dup",
            "content_copy",
            "Duplicate",
            False,
            partial(LeafModel.duplicate_seed, seed_id=seed.id),
        ),
        (cols[4], "del", "delete", "Remove", False, partial(LeafModel.remove_seed, seed_id=seed.id)),
    ):
        col.button(
            "",
            icon=f":material/{icon}:",
            key=es.k(f"{name}.{seed.id}"),
            help=helptext,
            disabled=disabled,
            on_click=es.edit(action),
        )


def seed_cards(model: LeafModel, placed: Placed) -> None:
    knowledge = model.kind is LeafKind.KNOWLEDGE
    st.markdown(
        f"#### {'Contexts and their Q&A pairs' if knowledge else 'Seed examples'} ({len(model.seeds)})"
    )
    placed.show("seed_examples")
    for i, seed in enumerate(model.seeds):
        with st.container(border=True, key=f"editor-seed-{seed.id}"):
            head = st.columns([5, 1, 1, 1, 1], vertical_alignment="center")
            new = " · new" if seed.origin is None or seed.fresh else (" · edited" if seed.changed else "")
            head[0].markdown(f"**{'Context' if knowledge else 'Seed'} {i + 1}**:gray[{new}]")
            _card_buttons(model, seed, i, head)
            placed.show(f"seed_examples.{i}")
            if knowledge or model.kind is LeafKind.GROUNDED_SKILL or seed.context:
                _text("Context", f"s.{seed.id}.context", seed.context, height=120 if knowledge else 90)
                st.caption(_count(words(seed.context), MAX_CONTEXT_WORDS, "context: "))
                placed.show(f"seed_examples.{i}.context")
            if seed.qnas is None:
                _text("Question", f"s.{seed.id}.question", seed.question, height=80)
                placed.show(f"seed_examples.{i}.question")
                _text("Answer", f"s.{seed.id}.answer", seed.answer, height=120)
                placed.show(f"seed_examples.{i}.answer")
                st.caption(_count(words(seed.question) + words(seed.answer), MAX_QNA_WORDS, "Q&A: "))
            else:
                _qna_rows(seed, i, placed)
    label = "Add a context" if knowledge else "Add a seed example"
    st.button(label, icon=":material/add:", key=es.k("add"), on_click=es.edit(LeafModel.add_seed))


def _qna_rows(seed: SeedDraft, i: int, placed: Placed) -> None:
    placed.show(f"seed_examples.{i}.questions_and_answers")
    for j, qa in enumerate(seed.qnas or []):
        where = f"seed_examples.{i}.questions_and_answers.{j}"
        cols = st.columns([12, 1], vertical_alignment="top")
        with cols[0]:
            _text(f"Question {j + 1}", f"q.{qa.id}.question", qa.question, area=False)
            placed.show(f"{where}.question")
            _text(f"Answer {j + 1}", f"q.{qa.id}.answer", qa.answer, height=80)
            placed.show(f"{where}.answer")
            st.caption(_count(words(qa.question) + words(qa.answer), MAX_QNA_WORDS, "Q&A: "))
            placed.show(where)
        cols[1].button(
            "",
            icon=":material/close:",
            key=es.k(f"delq.{qa.id}"),
            help="Remove this Q&A pair",
            on_click=es.edit(partial(LeafModel.remove_qna, seed_id=seed.id, qna_id=qa.id)),
        )
    st.button(
        "Add a Q&A pair",
        icon=":material/add:",
        key=es.k(f"addq.{seed.id}"),
        on_click=es.edit(partial(LeafModel.add_qna, seed_id=seed.id)),
    )
