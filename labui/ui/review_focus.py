"""The Review page's focus view: one sample, its evidence, and keyboard actions that bring up the next.

The view is a fragment, so a decision reruns only it; every button changes state in its on_click
callback (a click is never lost to a rerun). The page's filter lives in session state under the keys
here. Sample text is shown only through labui.ui.text (st.text blocks, or md_escape pieces for the
PII highlight); the open sample is kept in the URL (?sample=ID) so a refresh comes back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from labui.errors import LabuiError
from labui.export.promote import promote_sample
from labui.review import decisions
from labui.store.db import Store
from labui.store.review import (
    COUNT_CAP,
    STATUSES,
    Decision,
    Filter,
    Flag,
    current_decision,
    flags_for,
    get_sample,
    next_after,
    page_counts,
    review_history,
    set_mark,
    undo,
)
from labui.store.samples import SampleRow
from labui.ui import identity, nav, state
from labui.ui.text import md_escape, show

KEY_REVIEWER = "rv_reviewer"  # the page's name box while no name is given (it sets the sidebar's name)
KEY_RUNS = "rv_runs"
KEY_BRANCH = "rv_branch"
KEY_STATUS = "rv_status"
KEY_GATES = "rv_gates"
KEY_SEARCH = "rv_search"
KEY_JUDGE = "rv_judge_max"  # 0 = any score
KEY_MARKED = "rv_marked"
KEY_IDS = "rv_ids"  # a hand-picked set (the disagreement queue, find similar)
KEY_CURRENT = "rv_current"  # the sample id in the focus view
KEY_EDITING = "rv_editing"
KEY_MESSAGE = "rv_message"
KEY_REASON = "rv_reason"
KEY_SIMILAR = "rv_similar"  # the sample whose neighbours were asked for
LONG_TEXT = 600  # characters: a longer text is shown in a box of its own height, scrolling


def page_filter() -> Filter:
    ss = st.session_state
    judge = float(ss.get(KEY_JUDGE) or 0)
    return Filter(
        run_ids=tuple(ss.get(KEY_RUNS) or ()),
        branch=(ss.get(KEY_BRANCH) or "").strip(),
        statuses=tuple(ss.get(KEY_STATUS) or ()),
        gates=tuple(ss.get(KEY_GATES) or ()),
        search=ss.get(KEY_SEARCH) or "",
        judge_max=judge if judge > 0 else None,
        marked_by="*" if ss.get(KEY_MARKED) else "",
        ids=tuple(ss.get(KEY_IDS) or ()),
    )


def reviewer() -> str:
    """Who decides: the sidebar's "Your name" ("" while none is given)."""
    return identity.name()


def say(text: str) -> None:
    st.session_state[KEY_MESSAGE] = text


def open_sample(sample_id: int | None) -> None:
    st.session_state[KEY_CURRENT] = sample_id
    st.session_state[KEY_EDITING] = False
    if sample_id is None:
        st.query_params.pop(nav.QUERY_SAMPLE, None)
    else:
        st.query_params[nav.QUERY_SAMPLE] = str(sample_id)


def advance(store: Store, after: int) -> None:
    nxt = next_after(store, page_filter(), after)
    open_sample(nxt.id if nxt else None)


def current() -> int | None:
    """The sample the focus view is on. Its buttons' callbacks ask for it when they run, never take it
    as an argument: a key pressed while a rerun is still drawing reaches the callback bound by the run
    before (Streamlit keeps a widget's last arguments until it is drawn again), which would act on the
    sample before the one on screen."""
    sid = st.session_state.get(KEY_CURRENT)
    return sid if isinstance(sid, int) else None


def act(store: Store, verb: str) -> None:
    """The callback of the focus view's buttons: decide on the current sample, then show the next."""
    try:
        who = reviewer()
        if verb == "undo":
            done = undo(store, reviewer=who)
            if done is None:
                say("Nothing to undo.")
                return
            say(f"Undone: {done.kind} of {done.count} sample(s) ({done.description}).")
            if done.description.startswith("#"):
                open_sample(int(done.description[1:]))
            return
        sample_id = current()
        if sample_id is None:
            return
        if verb == "accept":
            decisions.accept(store, sample_id, who)
        elif verb == "reject":
            decisions.reject(store, sample_id, who, st.session_state.get(KEY_REASON, ""))
        elif verb == "mark":
            set_mark(store, sample_id, who or "anonymous")
            say(f"#{sample_id} marked for a second look")
        if verb in ("accept", "reject"):
            say(f"#{sample_id} {verb}ed.")
        advance(store, sample_id)
    except LabuiError as exc:
        say(str(exc))


def skip(store: Store) -> None:
    sample_id = current()
    if sample_id is not None:
        advance(store, sample_id)


def find_similar() -> None:
    st.session_state[KEY_SIMILAR] = current()


def save_edit(store: Store) -> None:
    ss = st.session_state
    sample_id = current()
    if sample_id is None:
        return
    try:
        decisions.edit(
            store,
            sample_id,
            reviewer(),
            question=ss.get(f"rv_q_{sample_id}", ""),
            answer=ss.get(f"rv_a_{sample_id}", ""),
            context=ss.get(f"rv_c_{sample_id}") or None,
        )
        say(f"#{sample_id} edited.")
        ss[KEY_EDITING] = False
    except LabuiError as exc:
        say(str(exc))


def promote(store: Store, root: Path) -> None:
    """The callback of "Promote to seed": the accepted sample joins its leaf's seed examples."""
    sample_id = current()
    if sample_id is None:
        return
    try:
        result = promote_sample(store, root, sample_id)
    except LabuiError as exc:
        say(f"#{sample_id} was not promoted: {exc}")
        return
    if not result.added:
        say(f"#{sample_id} is already a seed example of {result.leaf_path} word for word; nothing written.")
        return
    now = f" ({result.write.leaf.seed_count} seed examples now)" if result.write is not None else ""
    say(f"#{sample_id} added to the seed examples of {result.leaf_path}{now}.")


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """Markdown of `text` with the spans on a red background, built only from escaped pieces."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(md_escape(text[pos:start]))
        out.append(":red-background[" + md_escape(text[start:end]) + "]")
        pos = end
    out.append(md_escape(text[pos:]))
    return "".join(out)


def _other_side(store: Store, sample: SampleRow, flag: Flag) -> None:
    if isinstance(flag.other, int):
        other = get_sample(store, flag.other)
        if other is not None:
            left, right = st.columns(2)
            with left:
                st.caption(f"this sample #{sample.id}")
                show(f"{sample.question}\n\n{sample.answer}")
            with right:
                st.caption(f"#{other.id}")
                show(f"{other.question}\n\n{other.answer}")
    elif isinstance(flag.other, str) and "#" in flag.other:
        leaf_path, _, number = flag.other.rpartition("#")
        tx = state.current_taxonomy()
        leaf = tx.leaf(leaf_path) if tx else None
        if leaf is not None and number.isdigit() and 0 < int(number) <= len(leaf.seeds):
            st.caption(f"seed {number} of {md_escape(leaf_path)}")
            show(leaf.seeds[int(number) - 1].text())


def evidence(store: Store, sample: SampleRow, flags: list[Flag]) -> None:
    st.caption(
        f"Leaf {md_escape(sample.leaf_path)} · seeds {md_escape(str(list(sample.seed_ids)))} · "
        f"teacher {md_escape(sample.teacher_model)} · prompt {md_escape(sample.prompt_version)} · "
        f"run {sample.run_id}"
    )
    if not flags:
        st.caption("No gate flagged this sample.")
    for flag in flags:
        st.markdown(f"**{flag.gate}**: {md_escape(flag.reason)}")
        _other_side(store, sample, flag)
        for field in ("question", "answer", "context"):
            spans = [(s, e) for f, s, e, _ in flag.spans if f == field]
            if spans:
                st.markdown(f"{field}: " + highlighted(getattr(sample, field) or "", spans))
    scores = {k: v for k, v in sample.stages.items() if isinstance(v, dict) and "score" in v}
    if scores:
        st.caption("judges: " + md_escape(", ".join(f"{k} {v['score']}" for k, v in sorted(scores.items()))))


def _buttons(store: Store) -> None:
    ss = st.session_state
    missing = not reviewer()
    cols = st.columns(7)
    # No sample id in the arguments: each callback asks `current()` when it runs (see there).
    spec: list[tuple[str, str, str, Any, tuple[Any, ...], bool]] = [
        ("Accept", "rv_accept", "a", act, (store, "accept"), missing),
        ("Reject", "rv_reject", "x", act, (store, "reject"), missing),
        ("Edit", "rv_edit", "e", ss.__setitem__, (KEY_EDITING, True), False),
        ("Skip", "rv_skip", "s", skip, (store,), False),
        ("Second look", "rv_mark", "m", act, (store, "mark"), False),
        ("Undo", "rv_undo", "u", act, (store, "undo"), False),
        ("Find similar", "rv_find", "f", find_similar, (), False),
    ]
    for col, (text, key, shortcut, fn, args, disabled) in zip(cols, spec, strict=True):
        col.button(
            text,
            key=key,
            shortcut=shortcut,
            disabled=disabled,
            on_click=fn,
            args=args,
            help=f"key {shortcut}",
            width="stretch",  # one even toolbar, not seven buttons adrift in their columns
        )


@dataclass(frozen=True)
class _Shown:
    sample: SampleRow
    decision: Decision | None
    text: tuple[str, str, str | None]  # (question, answer, context) with the reviewer's edit


def _head(store: Store) -> _Shown | None:
    """The message, then the open sample (or "nothing left" with Undo); returns what was shown."""
    ss = st.session_state
    if ss.get(KEY_MESSAGE):
        st.info(md_escape(ss[KEY_MESSAGE]))
    if ss.get(KEY_CURRENT) is None:
        first = next_after(store, page_filter(), 0)
        open_sample(first.id if first else None)
    sid = ss.get(KEY_CURRENT)
    sample = get_sample(store, sid) if sid is not None else None
    if sample is None:
        st.write("Nothing left in this filter.")
        st.button("Undo", key="rv_undo_empty", shortcut="u", on_click=act, args=(store, "undo"))
        return None
    dec = current_decision(store, sample.id)
    st.subheader(f"Sample #{sample.id} · {dec.status if dec else 'new'}")
    q, a, c = decisions.effective_text(store, sample.id)
    for name, text in (
        ("context", c if sample.context is not None else None),
        ("question", q),
        ("answer", a),
    ):
        if text is not None:
            st.caption(name)
            if len(text) > LONG_TEXT:  # a long context scrolls in its box: the buttons stay in sight
                with st.container(height=220):
                    show(text)
            else:
                show(text)
    if not reviewer():
        st.warning("Give your name (in the sidebar, or above) to accept, reject or edit.")
    return _Shown(sample, dec, (q, a, c))


def draw_counts(slot: DeltaGenerator, store: Store) -> None:
    """The page filter's counts per status in `slot` (replaced whole)."""
    counts, capped = page_counts(store, page_filter())
    with slot.container():
        if capped:  # a flag or search filter: counted up to a cap, not over every match
            st.metric("matches", f"{COUNT_CAP:,}+")
        else:
            for col, status in zip(st.columns(4), STATUSES, strict=True):
                col.metric(status, f"{counts[status]:,}")


@st.fragment
def focus(store: Store, root: Path) -> None:
    """The page filter's counts, then one sample with its evidence and the keyboard actions; reruns
    alone, counts included (a decision changes them)."""
    ss = st.session_state
    # The counts live inside the fragment. Drawn into a slot outside it (above the tabs), a decision's
    # rerun went through Streamlit's wrapper for such writes, and under load the frontend once failed
    # to place it ("Cannot set a node at a delta path"), which blanks the whole page.
    counts = st.empty()  # filled after the toolbar: the next sample and its keys come first
    # Everything above the toolbar varies (a message, a context, a warning), so it is drawn in one slot:
    # the toolbar then keeps its place in the page from run to run. Streamlit sends a run's elements by
    # position, so a toolbar that moved would be replaced by the text drawn where it was and unmounted,
    # with its key bindings, until the run reached it: a key pressed in that gap was dropped.
    with st.container():
        shown = _head(store)
    if shown is None:
        draw_counts(counts, store)
        return
    sample, dec, (q, a, c) = shown.sample, shown.decision, shown.text
    _buttons(store)
    draw_counts(counts, store)
    promote_slot = st.container()  # comes and goes with the status: the reason box below stays put
    if dec is not None and dec.status in ("accepted", "edited"):
        promote_slot.button(
            "Promote to seed",
            key="rv_promote",
            shortcut="p",
            on_click=promote,
            args=(store, root),
            help="key p: add this accepted sample to its leaf's seed examples (qna.yaml)",
        )
    st.text_input("Reason for a reject", key=KEY_REASON)
    if ss.get(KEY_EDITING):
        st.text_area("Question", value=q, key=f"rv_q_{sample.id}")
        st.text_area("Answer", value=a, key=f"rv_a_{sample.id}")
        if sample.context is not None:
            st.text_area("Context", value=c or "", key=f"rv_c_{sample.id}")
        st.button("Save edit", key="rv_save", disabled=not reviewer(), on_click=save_edit, args=(store,))
    if dec is not None and dec.status == "edited":
        st.caption("Diff from the generated text")
        diff = decisions.text_diff(f"{sample.question}\n{sample.answer}", f"{q}\n{a}")
        st.code(diff or "(no change)", language="diff")
    with st.expander("Evidence", expanded=True):
        evidence(store, sample, flags_for(store, [sample.id]).get(sample.id, []))
    with st.expander("History"):
        for h in review_history(store, sample.id):
            d = h.decision
            st.text(
                f"{d.status} by {d.reviewer}{': ' + d.reason if d.reason else ''}{' (undone)' if h.undone else ''}"
            )
