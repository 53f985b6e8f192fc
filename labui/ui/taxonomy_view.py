"""Widgets of the Taxonomy page and the sidebar summary: the tree, the list of leaves, one leaf's view.

The pictures and tables come from labui.treeviz; this module only lays them out and keeps the chosen
leaf in session state (the chart, the table and the selectbox all write the same key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st

from labui.taxonomy import Leaf, LeafKind, SeedExample, Taxonomy, treeviz
from labui.taxonomy.validate import Diagnostic, Severity
from labui.textutil import plural
from labui.ui import nav, state
from labui.ui.text import label, md_code, md_escape, show
from labui.ui.widgets import STATUS_DOTS, STATUS_ICONS, leaves

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

KEY_LEAF = "leaf"  # the picked leaf; mirrored in the URL (?leaf=...), so a leaf can be linked to
KEY_BRANCH = "tx_branch"
KEY_QUERY = "tx_query"
QUERY_LEAF = nav.QUERY_LEAF  # the open leaf in the URL: /?leaf=knowledge/...
KEY_KINDS = "tx_kinds"
KEY_STATUSES = "tx_statuses"
KEY_STYLE = "tx_style"
KEY_CHART = "tx_chart"
KEY_TABLE = "tx_table"
_KEY_TABLE_PATHS = "_tx_table_paths"  # the rows the table showed, to map a selected row back to a leaf

SEVERITY_ICONS = {Severity.ERROR: STATUS_ICONS["error"], Severity.WARNING: STATUS_ICONS["warning"]}


# --------------------------------------------------------------------------------------------------
# The page.


# Above this many leaves the tree chart waits for a click (its figure and the browser's drawing of it
# cost seconds at 10,000 leaves) and the table drops its per-cell colours (a pandas Styler renders
# every cell in Python: about a second per 10,000 rows).
CHART_MAX_LEAVES = 2_000
STYLED_ROWS_MAX = 1_000
KEY_DRAW_BIG = "tx_draw_big"  # the folder whose big tree the user asked to draw


def _content_key(tx: Taxonomy) -> tuple[Any, ...]:
    """What the cached pictures and tables of a taxonomy follow: its content key when it has one
    (the loader's tree key, one string); else every leaf's hash and counts (hashed by Streamlit)."""
    if tx.key:
        return (str(tx.root), tx.key)
    return (str(tx.root), tuple((leaf.path, leaf.sha256, leaf.errors, leaf.warnings) for leaf in tx.leaves))


@st.cache_resource(show_spinner=False, max_entries=8)
def _figure(_tx: Taxonomy, key: tuple[Any, ...], style: str) -> go.Figure:
    # `key` follows the content; the Taxonomy itself is not hashed (it is the same cached object).
    return treeviz.tree_figure(_tx, "treemap" if style == "Treemap" else "sunburst")


@st.cache_resource(show_spinner=False, max_entries=4)
def _table(_tx: Taxonomy, key: tuple[Any, ...]) -> pd.DataFrame:
    """Every leaf's row, built once per content; a filter takes rows out of it."""
    return treeviz.leaf_table(_tx.leaves)


def _draw_big(root: str) -> None:
    st.session_state[KEY_DRAW_BIG] = root


def summary(tx: Taxonomy) -> None:
    kinds = tx.counts_by_kind()
    seeds = sum(leaf.seed_count for leaf in tx.leaves)
    qnas = sum(leaf.qna_count for leaf in tx.leaves if leaf.kind is LeafKind.KNOWLEDGE)
    bad = sum(1 for leaf in tx.leaves if leaf.errors)
    cols = st.columns(7)
    cols[0].metric("Leaves", f"{len(tx.leaves):,}", border=True)
    cols[1].metric("Knowledge", f"{kinds[LeafKind.KNOWLEDGE.value]:,}", border=True)
    cols[2].metric("Freeform skills", f"{kinds[LeafKind.FREEFORM_SKILL.value]:,}", border=True)
    cols[3].metric("Grounded skills", f"{kinds[LeafKind.GROUNDED_SKILL.value]:,}", border=True)
    cols[4].metric(
        "Seeds",
        f"{seeds:,}",
        border=True,
        help=f"Seed examples in all leaves; the knowledge ones hold {qnas:,} Q&A pairs",
    )
    cols[5].metric(
        "Errors",
        f"{tx.errors:,}",
        border=True,
        help=f"In {leaves(bad)}; a leaf with errors is rejected by `ilab`",
    )
    cols[6].metric(
        "Warnings", f"{tx.warnings:,}", border=True, help="Word limits: context 500, question + answer 250"
    )


def _select_leaf(path: str) -> None:
    st.session_state[KEY_LEAF] = path


ATTENTION_MAX = 8


def attention(tx: Taxonomy) -> None:
    """The leaves `ilab` would reject, each with its first error and a button to open it."""
    broken = [leaf for leaf in tx.leaves if leaf.errors]
    if not broken:
        note = f"; {plural(tx.warnings, 'warning')} about length" if tx.warnings else ""
        st.success(
            f"All {leaves(len(tx.leaves))} pass the strict checks{note}.", icon=":material/check_circle:"
        )
        return
    with st.container(border=True, key="tx_attention"):
        st.markdown(
            f"{STATUS_ICONS['error']} **{leaves(len(broken))} with errors**: `ilab` rejects "
            f"{'it' if len(broken) == 1 else 'them'} until fixed."
        )
        for i, leaf in enumerate(broken[:ATTENTION_MAX]):
            first = min(
                (d for d in leaf.diagnostics if d.severity is Severity.ERROR),
                key=lambda d: (d.line, d.column),
            )
            row = st.columns([0.86, 0.14], vertical_alignment="center")
            row[0].markdown(
                f"{md_code(leaf.path)} · line {first.line}:{first.column} · {md_escape(first.message)}"
                + (f" :gray[(+{leaf.errors - 1} more)]" if leaf.errors > 1 else "")
            )
            row[1].button(
                "Show",
                key=f"tx_show_{i}",
                icon=":material/arrow_downward:",
                type="tertiary",
                on_click=_select_leaf,
                args=(leaf.path,),
            )
        if len(broken) > ATTENTION_MAX:
            st.caption(f"… and {len(broken) - ATTENTION_MAX} more: filter the list below by status “errors”.")


def _on_chart_select(tx: Taxonomy) -> None:
    event = st.session_state.get(KEY_CHART)
    points = event.get("selection", {}).get("points", []) if isinstance(event, Mapping) else []
    if not points:
        return
    node_id = str(points[0].get("id") or "")
    if tx.leaf(node_id) is not None:
        _select_leaf(node_id)
    if node_id in treeviz.branch_folders(tx):
        # A click on a folder zooms the chart into it; the list follows.
        st.session_state[KEY_BRANCH] = node_id


def _on_table_select() -> None:
    event = st.session_state.get(KEY_TABLE)
    rows = event.get("selection", {}).get("rows", []) if isinstance(event, Mapping) else []
    shown: list[str] = st.session_state.get(_KEY_TABLE_PATHS, [])
    if rows and rows[0] < len(shown):
        _select_leaf(shown[rows[0]])


def tree_chart(tx: Taxonomy) -> None:
    head = st.columns([0.4, 0.6], vertical_alignment="bottom")
    head[0].markdown("##### The tree")
    if len(tx.leaves) > CHART_MAX_LEAVES and st.session_state.get(KEY_DRAW_BIG) != str(tx.root):
        st.info(
            f"The chart of {leaves(len(tx.leaves))} takes a while to build and draw, so it waits for you. "
            "The list beside it is complete.",
            icon=":material/account_tree:",
        )
        st.button(
            "Draw the tree",
            key="tx_draw_tree",
            icon=":material/donut_large:",
            on_click=_draw_big,
            args=(str(tx.root),),
        )
        return
    with head[1]:
        style = st.segmented_control(
            "Chart", ["Sunburst", "Treemap"], default="Sunburst", key=KEY_STYLE, label_visibility="collapsed"
        )
    fig = _figure(tx, _content_key(tx), style or "Sunburst")
    st.plotly_chart(
        fig,
        key=KEY_CHART,
        on_select=lambda: _on_chart_select(tx),
        selection_mode="points",
        config={"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]},
    )
    st.caption(
        f"Size: seed examples (Q&A pairs for knowledge). {STATUS_DOTS['ok']} valid · "
        f"{STATUS_DOTS['warning']} warnings · {STATUS_DOTS['error']} errors; a folder (lighter) takes the worst "
        "colour below it. Click a folder to zoom in and filter the list, a leaf to open it."
    )


def leaf_list(tx: Taxonomy) -> None:
    st.markdown("##### Leaves")
    top = st.columns([0.5, 0.5], vertical_alignment="bottom")
    query = top[0].text_input(
        "Search", key=KEY_QUERY, placeholder="path, description, seed text…", icon=":material/search:"
    )
    branches = treeviz.branch_folders(tx)
    if st.session_state.get(KEY_BRANCH) not in (None, *branches):
        st.session_state[KEY_BRANCH] = None
    branch = top[1].selectbox(
        "Branch",
        branches,
        index=None,
        key=KEY_BRANCH,
        placeholder="Whole tree",
        icon=":material/folder_open:",
    )
    pills = st.columns([0.58, 0.42], vertical_alignment="bottom")
    kinds = pills[0].pills(
        "Kind",
        [k.value for k in LeafKind],
        selection_mode="multi",
        key=KEY_KINDS,
        format_func=lambda k: treeviz.KIND_LABELS[k].removesuffix(" skill"),
    )
    statuses = pills[1].pills(
        "Status",
        list(treeviz.STATUSES),
        selection_mode="multi",
        key=KEY_STATUSES,
        format_func=treeviz.STATUS_WORDS.__getitem__,
    )

    shown = treeviz.filter_leaves(tx.leaves, query, kinds, statuses, branch)
    st.session_state[_KEY_TABLE_PATHS] = [leaf.path for leaf in shown]
    table = _table(tx, _content_key(tx))
    if len(shown) < len(tx.leaves):
        table = table[table["path"].isin({leaf.path for leaf in shown})].reset_index(drop=True)
    st.dataframe(
        _styled(table) if len(table) <= STYLED_ROWS_MAX else table,
        key=KEY_TABLE,
        on_select=_on_table_select,
        selection_mode="single-row",
        hide_index=True,
        height=min(400, 35 * (len(table) + 1) + 3),  # no empty rows below a short list
        # The figures first: the narrow column beside the chart scrolls sideways past the path.
        column_order=("status", "path", "seeds", "errors", "warnings", "kind", "version", "created_by"),
        column_config={
            "status": st.column_config.TextColumn("Status", width=72),
            "path": st.column_config.TextColumn("Path", width=270),
            "kind": st.column_config.TextColumn("Kind", width=110),
            "seeds": st.column_config.NumberColumn(
                "Seeds", width=56, help="Seed examples (Q&A pairs for knowledge)"
            ),
            "errors": st.column_config.NumberColumn("Errors", width=56),
            "warnings": st.column_config.NumberColumn("Warn.", width=56, help="Warnings"),
            "version": st.column_config.NumberColumn("Ver.", width=48, help="Schema version"),
            "created_by": st.column_config.TextColumn("Created by", width=110),
        },
    )
    st.caption(f"{len(shown):,} of {leaves(len(tx.leaves))} shown. Select a row to open the leaf below.")


def _styled(table: pd.DataFrame) -> Any:
    colors = treeviz.STATUS_TEXT_COLORS
    by_word = {word: colors[status] for status, word in treeviz.STATUS_WORDS.items()}
    return (
        table.style.map(lambda v: f"color: {by_word[v]}; font-weight: 600", subset=["status"])
        .map(lambda v: f"color: {colors['error']}; font-weight: 600" if v else "", subset=["errors"])
        .map(lambda v: f"color: {colors['warning']}" if v else "", subset=["warnings"])
    )


def leaf_picker(tx: Taxonomy) -> Leaf | None:
    paths = sorted(leaf.path for leaf in tx.leaves)
    ss = st.session_state
    # The URL's ?leaf= and the picker are synced by hand, not with `bind=`: a bound widget can be
    # reset from a URL the browser has not updated yet (a chart click then closes the leaf it opened),
    # and it makes st.switch_page refuse to clear the URL.
    if KEY_LEAF not in ss:  # a new session, or back from another page: the URL is the deep link
        ss[KEY_LEAF] = st.query_params.get(QUERY_LEAF)
    if ss[KEY_LEAF] not in (None, *paths):
        ss[KEY_LEAF] = None
    broken = sum(1 for leaf in tx.leaves if leaf.errors)
    hint = f"{leaves(broken)} with errors" if broken else "all valid"
    chosen = st.selectbox(
        "Leaf",
        paths,
        key=KEY_LEAF,
        placeholder=f"Choose a leaf… ({leaves(len(paths))}, {hint})",
    )
    if chosen and st.query_params.get(QUERY_LEAF) != chosen:
        st.query_params[QUERY_LEAF] = chosen
    elif not chosen and QUERY_LEAF in st.query_params:
        del st.query_params[QUERY_LEAF]
    return tx.leaf(chosen) if chosen else None


# --------------------------------------------------------------------------------------------------
# One leaf.


def _field(label: str, value: str) -> None:
    st.markdown(f"**{label}**")
    if value:
        show(value)
    else:
        st.caption("—")


def leaf_header(leaf: Leaf) -> None:
    top = st.columns([0.8, 0.2], vertical_alignment="center")
    top[0].markdown(f"#### {STATUS_ICONS[leaf.status]} {md_escape(leaf.path)}")
    top[1].button(
        "Open in Editor",
        icon=":material/edit_note:",
        type="primary",
        key="tx_open_editor",
        on_click=nav.open_in_editor,
        args=(leaf.path,),
    )
    size = treeviz.seed_size(leaf)
    unit = "Q&A pair" if leaf.kind is LeafKind.KNOWLEDGE else "seed example"
    badges = [
        f":violet-badge[{treeviz.KIND_LABELS[leaf.kind.value]}]",
        f":gray-badge[version {leaf.version}]",
        f":blue-badge[{plural(size, unit)}]",
        f":red-badge[{plural(leaf.errors, 'error')}]" if leaf.errors else ":green-badge[no errors]",
    ]
    if leaf.warnings:
        badges.append(f":orange-badge[{plural(leaf.warnings, 'warning')}]")
    st.markdown(" ".join(badges))


def leaf_fields(leaf: Leaf) -> None:
    left, right = st.columns(2)
    with left:
        _field("Created by", leaf.created_by)
        if leaf.kind is LeafKind.KNOWLEDGE:
            _field("Domain", leaf.domain)
            _field("Document outline", leaf.document_outline)
        else:
            _field("Task description", leaf.task_description)
    with right:
        doc = leaf.document
        if doc is not None:
            _field("Document repo", str(doc.get("repo") or ""))
            _field("Commit", str(doc.get("commit") or ""))
            patterns = doc.get("patterns")
            _field(
                "Patterns",
                "\n".join(map(str, patterns)) if isinstance(patterns, list) else str(patterns or ""),
            )
        elif leaf.kind is LeafKind.KNOWLEDGE:
            _field("Document", "")
        _field("File", leaf.rel_file)


def diagnostics_view(leaf: Leaf, diagnostics: Sequence[Diagnostic]) -> None:
    if not diagnostics:
        st.success(
            "No problems: this leaf passes the strict checks `ilab` runs.", icon=":material/check_circle:"
        )
        return
    ordered = sorted(diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.line, d.column))
    for i, d in enumerate(ordered):
        with st.container(border=True, key=f"tx_diag_{i}"):
            where = f"line {d.line}, column {d.column}" if d.column else f"line {d.line}"
            st.markdown(
                f"{SEVERITY_ICONS[d.severity]} **{d.severity.value}** at **{where}** "
                f"(`{d.line}:{d.column}`) — {md_escape(d.message)}  \n"
                f":gray[{md_escape(d.source)} rule {md_code(d.rule)}]"
            )
            st.code(treeviz.excerpt(leaf.text, d.line, d.column), language=None)


def _seed_title(i: int, seed: SeedExample) -> str:
    first = seed.question or (seed.pairs[0].question if seed.pairs else "") or (seed.context or "")
    # An expander title is markdown: the seed's words are escaped so that they stay words.
    return f"Seed {i}: {label(first)}"


def seeds_view(leaf: Leaf) -> None:
    if not leaf.seeds:
        st.info("No seed examples could be read from this leaf.", icon=":material/info:")
        return
    for i, seed in enumerate(leaf.seeds, 1):
        # Seed text is user content: shown with st.text only, never as markdown or HTML.
        with st.expander(_seed_title(i, seed), expanded=i == 1):
            if seed.context:
                st.markdown("**Context**")
                # Roughly as tall as the text (about 110 characters a line here), scrolling past 260 px.
                lines = sum(len(line) // 110 + 1 for line in seed.context.splitlines())
                with st.container(height=min(260, 36 + 24 * lines), border=True):
                    show(seed.context)
            for qa in seed.pairs:
                with st.chat_message("user"):
                    show(qa.question)
                with st.chat_message("assistant"):
                    show(qa.answer)


def leaf_view(leaf: Leaf) -> None:
    with st.container(border=True):
        leaf_header(leaf)
        leaf_fields(leaf)
    n = len(leaf.diagnostics)
    tabs = st.tabs([f"Diagnostics ({n})", f"Seed examples ({leaf.seed_count})", "Source"])
    with tabs[0]:
        diagnostics_view(leaf, leaf.diagnostics)
    with tabs[1]:
        seeds_view(leaf)
    with tabs[2]:
        st.code(leaf.text, language="yaml", line_numbers=True)


def taxonomy_page() -> None:
    tx = state.current_taxonomy()
    if tx is None:
        if state.cancelled() is None:  # (a cancelled load has said what to do)
            st.info("Choose a taxonomy folder in the sidebar to see its tree.", icon=":material/arrow_back:")
        return
    st.markdown(f"## Taxonomy :gray[· {md_escape(tx.root.name)}]")
    summary(tx)
    attention(tx)
    left, right = st.columns([0.42, 0.58], gap="large")
    with left:
        tree_chart(tx)
    with right:
        leaf_list(tx)
    st.divider()
    leaf = leaf_picker(tx)
    if leaf is not None:
        leaf_view(leaf)
