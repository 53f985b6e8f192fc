"""The Review page: filters with counts per status and progress per leaf, the focus view
(labui.ui.review_focus), the queue, the trash, bulk decisions with a count to confirm, the gates,
find similar, and reviewer agreement with its disagreement queue.

Buttons change state in their on_click callbacks; work that needs the encoder (gates with semantic
duplicates, find similar) runs in the body of the next run, asked for by a callback.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from labui.coverage.embed import DEFAULT_MODEL, CachedEmbedder
from labui.errors import LabuiError
from labui.review import decisions
from labui.review.agreement import agreement, disagreements
from labui.review.gates import GATES, run_gates
from labui.review.similar import similar
from labui.store.db import Store
from labui.store.review import (
    STATUSES,
    Filter,
    decision_counts,
    diversity_rows,
    flag_counts,
    flags_for,
    page_counts,
    queue_page,
    status_counts,
)
from labui.store.samples import list_runs
from labui.ui import identity, nav, state
from labui.ui import review_focus as rf
from labui.ui.text import error, label, md_escape

PAGE_SIZE = 50
KEY_EXCLUDE = "rv_exclude"
KEY_CONFIRM = "rv_confirm"
KEY_SIMILAR_RESULT = "rv_similar_result"  # ((sample id, filter), most, least)
KEY_GATES_PENDING = "rv_gates_pending"  # "plain" | "encoder", set by a button's callback
KEY_BULK_NOTE = "rv_bulk_note"  # what the last bulk action did, shown on the Bulk tab (where it was clicked)
KEY_GATES_NOTE = "rv_gates_note"  # what the last gates run found, shown on the Gates tab


def _restore(store: Store, sample_id: int) -> None:
    try:
        decisions.restore(store, sample_id, rf.reviewer())
        rf.say(f"#{sample_id} restored to the queue.")
    except LabuiError as exc:
        rf.say(str(exc))


def _note(key: str, text: str) -> None:
    """Say `text` on the tab whose button was clicked, and in the focus view (where Undo is)."""
    st.session_state[key] = text
    rf.say(text)


def _show_note(key: str) -> None:
    text = st.session_state.get(key)
    if text:
        st.info(md_escape(text), icon=":material/info:")


def _bulk(store: Store, verb: str, flt: Filter, expected: int) -> None:
    if st.session_state.get(KEY_CONFIRM) != expected:
        st.session_state[KEY_BULK_NOTE] = f"Nothing changed: type the count ({expected:,}) to confirm."
        return
    try:
        _, changed = decisions.bulk(
            store, flt, verb, rf.reviewer(), st.session_state.get(rf.KEY_REASON, ""), "page filter"
        )
        _note(KEY_BULK_NOTE, f"Bulk {verb}: {changed:,} sample(s) changed (one action: Undo takes it back).")
        st.session_state[KEY_CONFIRM] = 0
    except LabuiError as exc:
        _note(KEY_BULK_NOTE, str(exc))


def _reject_dups(store: Store) -> None:
    try:
        _, changed = decisions.reject_duplicates_keep_first(store, rf.page_filter(), rf.reviewer())
        _note(KEY_BULK_NOTE, f"Rejected {changed:,} flagged duplicate(s), kept each group's first.")
    except LabuiError as exc:
        _note(KEY_BULK_NOTE, str(exc))


def _embedder(store: Store) -> CachedEmbedder:
    return CachedEmbedder(state.encoder(DEFAULT_MODEL, "auto", 64), store)


def _filters(store: Store) -> None:
    ss = st.session_state
    with st.expander("Filters", expanded=True):
        cols = st.columns(4)
        cols[0].multiselect("Runs", [run.id for run, *_ in list_runs(store)], key=rf.KEY_RUNS)
        cols[1].text_input("Leaf or branch", key=rf.KEY_BRANCH)
        cols[2].multiselect("Status", STATUSES, key=rf.KEY_STATUS)
        cols[3].multiselect("Flag", GATES, key=rf.KEY_GATES)
        cols = st.columns(4)
        cols[0].text_input(
            "Search", key=rf.KEY_SEARCH, help="words anywhere in the question, answer or context"
        )
        cols[1].number_input("Judge score at most (0: any)", min_value=0.0, step=0.5, key=rf.KEY_JUDGE)
        cols[2].checkbox("Second look only", key=rf.KEY_MARKED)
        if ss.get(rf.KEY_IDS):
            cols[3].button("Clear the picked samples", on_click=ss.__setitem__, args=(rf.KEY_IDS, []))


KEY_TAB = "rv_tab"  # the open tab (a widget key: a callback may open another)
KEY_QUEUE = "rv_queue"  # the queue table's selection (its key ends with the KEY_QUEUE_GEN count)
KEY_QUEUE_GEN = "rv_queue_gen"  # picks so far: each pick draws a new table, with no row selected
KEY_QUEUE_IDS = "rv_queue_ids"  # the sample ids of its rows, in order, as last drawn


def _open_from_queue() -> None:
    """A row picked in the queue opens in the focus view."""
    ss = st.session_state
    key = _queue_key()
    rows = ss[key].selection.rows if key in ss else []
    ids = ss.get(KEY_QUEUE_IDS) or []
    if rows and 0 <= rows[0] < len(ids):
        rf.open_sample(ids[rows[0]])
        ss[KEY_TAB] = "Focus"
        # A selection cannot be cleared from Python: a table that kept the row picked would make the
        # next click on that row a deselection, which opens nothing. A new key draws it unpicked.
        ss[KEY_QUEUE_GEN] = int(ss.get(KEY_QUEUE_GEN, 0)) + 1


def _queue_key() -> str:
    return f"{KEY_QUEUE}_{int(st.session_state.get(KEY_QUEUE_GEN, 0))}"


def _queue(store: Store, flt: Filter, matches: int | None) -> None:
    rows = queue_page(store, flt, limit=PAGE_SIZE)
    flags = flags_for(store, [s.id for s, _ in rows])
    frame = pd.DataFrame(
        [
            {
                "id": s.id,
                "status": d.status if d else "new",
                "flags": ", ".join(sorted({f.gate for f in flags.get(s.id, [])})),
                "leaf": s.leaf_path,
                "question": s.question[:120],
            }
            for s, d in rows
        ]
    )
    st.session_state[KEY_QUEUE_IDS] = [s.id for s, _ in rows]
    st.dataframe(  # dataframe cells are text, never markdown
        frame,
        hide_index=True,
        width="stretch",
        key=_queue_key(),
        on_select=_open_from_queue,
        selection_mode="single-row",
    )
    shown = len(rows)
    if matches is None or matches > shown:
        more = "more" if matches is None else f"{matches:,}"
        st.caption(
            f"The first {shown:,} of {more} matches; narrow the filters to see others. Pick a row to open it."
        )
    else:
        st.caption("Pick a row to open it in the focus view.")
    per_leaf = decision_counts(store, flt.run_ids)
    if per_leaf:
        st.caption("Progress per leaf")
        st.dataframe(
            pd.DataFrame(
                [
                    {"leaf": k, **v, "done": f"{1 - v['new'] / max(1, sum(v.values())):.0%}"}
                    for k, v in per_leaf.items()
                ]
            ),
            hide_index=True,
        )


def _trash(store: Store) -> None:
    flt = replace(rf.page_filter(), statuses=("rejected",))
    counts, capped = page_counts(store, flt)
    # The counters say at once when nothing is rejected; the page query would scan every sample to learn it.
    rows = queue_page(store, flt, limit=PAGE_SIZE) if capped or counts["rejected"] else []
    if not rows:
        st.write("The trash is empty.")
    for s, d in rows:
        cols = st.columns([5, 1])
        why = f"reason: {md_escape(d.reason)}" if d and d.reason else "no reason given"
        cols[0].markdown(f"\\#{s.id} · {label(s.question)} · {why}")
        cols[1].button("Restore", key=f"rv_restore_{s.id}", on_click=_restore, args=(store, s.id))


def _bulk_panel(store: Store, flt: Filter) -> None:
    raw = st.text_input("Leave out sample ids (comma-separated)", key=KEY_EXCLUDE)
    exclude = tuple(int(x) for x in raw.replace(" ", "").split(",") if x.isdigit())
    target = replace(flt, exclude=exclude)
    count = sum(status_counts(store, target).values())
    st.write(f"{count} sample(s) match the filter" + (f", {len(exclude)} left out." if exclude else "."))
    st.number_input("Type the count to confirm", min_value=0, step=1, key=KEY_CONFIRM)
    who = not rf.reviewer()
    cols = st.columns(4)
    for col, verb in zip(cols, ("accept", "reject", "restore"), strict=False):
        col.button(
            f"Bulk {verb}",
            key=f"rv_bulk_{verb}",
            disabled=who,
            on_click=_bulk,
            args=(store, verb, target, count),
        )
    cols[3].button(
        "Reject flagged duplicates, keep each group's first",
        key="rv_dups",
        disabled=who,
        on_click=_reject_dups,
        args=(store,),
    )
    if who:
        st.caption("Give your name (sidebar) to decide in bulk.")
    _show_note(KEY_BULK_NOTE)


def _tick(bar: Any, step: str, done: int, total: int) -> None:
    bar.progress(min(1.0, done / max(1, total)), text=step)


def _gates_panel(store: Store, flt: Filter) -> None:
    ss = st.session_state
    cols = st.columns(2)
    cols[0].button(
        "Run the gates", key="rv_gates_plain", on_click=ss.__setitem__, args=(KEY_GATES_PENDING, "plain")
    )
    cols[1].button(
        "Run the gates with the encoder (semantic duplicates, diversity)",
        key="rv_gates_encoder",
        on_click=ss.__setitem__,
        args=(KEY_GATES_PENDING, "encoder"),
    )
    st.caption(
        "The gates flag duplicates, copies of seed examples or real data, personal data, refusals, "
        "truncated or empty replies, length outliers and low judge scores; with the encoder, also "
        "duplicates in meaning and each leaf's diversity. Flags show in a sample's Evidence and the Flag filter."
    )
    pending = ss.pop(KEY_GATES_PENDING, None)
    if pending:
        bar = st.progress(0.0, text="Running the gates")
        try:
            report = run_gates(
                store,
                state.current_taxonomy(),
                run_ids=flt.run_ids,
                embedder=_embedder(store) if pending == "encoder" else None,
                progress=lambda step, done, total: _tick(bar, step, done, total),
            )
            flags = ", ".join(f"{gate} {n:,}" for gate, n in sorted(report.flags.items()) if n) or "none"
            _note(
                KEY_GATES_NOTE,
                f"Gates: {report.samples:,} samples checked, {report.flagged:,} flagged ({flags}).",
            )
            for leaf, div in report.diversity.items():
                if div.get("warning"):
                    st.warning(md_escape(f"{leaf}: {div['warning']}"))
        except LabuiError as exc:
            error(str(exc))
        bar.empty()
    _show_note(KEY_GATES_NOTE)


def _flags_now(store: Store, flt: Filter) -> None:
    """What the gates found so far (on arrival, from the CLI or this tab), for the page filter."""
    counts = sorted(flag_counts(store, flt).items(), key=lambda kv: (-kv[1], kv[0]))
    st.subheader("Flags now")
    if counts:
        st.dataframe(
            pd.DataFrame([{"flag": gate, "samples": n} for gate, n in counts]),
            hide_index=True,
            width=480,  # two short columns: not stretched across the page
            column_config={"samples": st.column_config.NumberColumn(format="localized")},
        )
        st.caption("Samples of this filter with each flag; pick a flag under Filters to review them.")
    else:
        st.caption("No sample in this filter carries a flag.")
    for d in diversity_rows(store, flt.run_ids):
        if d.warning:
            st.warning(
                md_escape(f"{d.leaf_path} (run {d.run_id}): {d.warning}"), icon=":material/scatter_plot:"
            )


def _similar_panel(store: Store, flt: Filter) -> None:
    sid = st.session_state.get(rf.KEY_SIMILAR)
    if sid is None:
        st.caption("Press Find similar (key f) on a sample.")
        return
    flt = replace(flt, ids=())
    cached = st.session_state.get(KEY_SIMILAR_RESULT)
    if not cached or cached[0] != (sid, flt):  # the encoder runs once per sample and filter
        with st.spinner("Comparing samples"):
            cached = ((sid, flt), *similar(store, _embedder(store), int(sid), flt))
        st.session_state[KEY_SIMILAR_RESULT] = cached
    _, most, least = cached
    for title, rows in ((f"Most similar to #{sid}", most), ("Least similar", least)):
        st.caption(title)
        for n in rows:
            st.button(
                f"#{n.sample_id} · cosine {n.cosine:.2f} · {label(n.question, 70)}",
                key=f"rv_open_{title[:4]}_{n.sample_id}",
                on_click=rf.open_sample,
                args=(n.sample_id,),
            )


def _agreement(store: Store) -> None:
    rows = agreement(store)
    if not rows:
        st.write("No sample has been decided by two reviewers yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "leaf": r.leaf_path,
                    "reviewers": " / ".join(r.reviewers),
                    "samples": r.samples,
                    "kappa": r.kappa,
                    "disagree": r.disagreements,
                }
                for r in rows
            ]
        ),
        hide_index=True,
    )
    ids = [sid for sid, _, _ in disagreements(store)]
    st.button(
        f"Review the {len(ids)} disagreement(s)",
        key="rv_disagree",
        disabled=not ids,
        on_click=st.session_state.__setitem__,
        args=(rf.KEY_IDS, ids),
    )


def _who() -> None:
    """Who decides: the sidebar's name, or a box to give it here while there is none."""
    if identity.name():
        st.caption(f"Deciding as **{identity.shown()}** (change *Your name* in the sidebar).")
        return
    st.columns([1, 2])[0].text_input(
        "Reviewer",
        key=rf.KEY_REVIEWER,
        on_change=identity.from_box,
        args=(rf.KEY_REVIEWER,),
        placeholder="your name",
        help="The same as *Your name* in the sidebar: decisions are recorded under it.",
    )
    identity.refused(rf.KEY_REVIEWER)


def review_page() -> None:
    st.title("Review")
    tx = state.current_taxonomy()
    if tx is None:
        error("Open a taxonomy first (sidebar).")
        return
    store = Store.for_taxonomy(tx.root)
    ss = st.session_state
    if nav.KEY_REVIEW_SAMPLE in ss:
        rf.open_sample(ss.pop(nav.KEY_REVIEW_SAMPLE))
    elif rf.KEY_CURRENT not in ss and st.query_params.get(nav.QUERY_SAMPLE, "").isdigit():
        ss[rf.KEY_CURRENT] = int(st.query_params[nav.QUERY_SAMPLE])  # a refresh comes back to it
    if nav.KEY_REVIEW_RUN in ss:
        ss[rf.KEY_RUNS] = [ss.pop(nav.KEY_REVIEW_RUN)]
    # One slot: the name box and its refusal come and go, the tabs below keep their place.
    with st.container():
        _who()
    _filters(store)
    flt = rf.page_filter()
    # Opening a tab reruns the page: decisions made in the focus view (a fragment) since the last
    # full run would otherwise leave the queue, trash and agreement tabs showing what was before them.
    tabs = st.tabs(
        ["Focus", "Queue", "Trash", "Bulk", "Gates", "Similar", "Agreement"], key=KEY_TAB, on_change="rerun"
    )
    with tabs[0]:
        rf.focus(store, tx.root)
    # The queue, trash and agreement tabs query the store (the trash and agreement read all of it: 1.2 s
    # of a 1.2M-sample page run, measured): they are drawn only when open, which opening a tab asks for
    # with its rerun.
    with tabs[1]:
        if tabs[1].open:
            by_status, capped = page_counts(store, flt)
            _queue(store, flt, None if capped else sum(by_status.values()))
    with tabs[2]:
        if tabs[2].open:
            _trash(store)
    with tabs[3]:
        _bulk_panel(store, flt)
    with tabs[4]:
        _gates_panel(store, flt)
        if tabs[4].open:  # what the gates found is counted only when it is shown
            _flags_now(store, flt)
    with tabs[5]:
        _similar_panel(store, flt)
    with tabs[6]:
        if tabs[6].open:
            _agreement(store)
