"""The Coverage page's results: headline figures, charts, clusters, thin leaves, overlaps, items and
downloads, drawn from one `labui.coverage.analysis.Analysis`. User text only through labui.ui.text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import streamlit as st

from labui.coverage import viz as coverage_viz
from labui.coverage.clusters import leaf_prefill
from labui.coverage.report import CoverageReport
from labui.coverage.scoring import DEFAULT_THRESHOLD
from labui.csvsafe import FORMULA_START, to_csv
from labui.ui import nav
from labui.ui.text import md_escape, show

if TYPE_CHECKING:
    from labui.coverage.analysis import Analysis

KEY_THRESHOLD = "cov_threshold"
KEY_LEAVES_TABLE = "cov_leaves_table"
KEY_OVERLAPS_TABLE = "cov_overlaps_table"
KEY_UNCOVERED_ONLY = "cov_uncovered_only"
EXAMPLE_CHARS = 240


THIN_TO_GENERATE = 10


def threshold_slider() -> float:
    return float(
        st.slider(
            "Coverage threshold",
            0.0,
            1.0,
            value=DEFAULT_THRESHOLD,
            step=0.01,
            key=KEY_THRESHOLD,
            help=(
                "An item is covered when its similarity to its nearest leaf is at least this. The similarity "
                "is the mean of two cosines: to the leaf's closest seed question and to its description "
                f"(path words, task description). The default {DEFAULT_THRESHOLD:.2f} lets about 3 in 4 "
                "requests a leaf plainly covers through, and stops most requests the tree has no leaf for."
            ),
        )
    )


def headline(report: CoverageReport, data_label: str, cached: int, embedded: int) -> None:
    n = len(report.items)
    cols = st.columns(6)
    cols[0].metric("Leaves", f"{len(report.leaves):,}")
    thin = sum(m.thinness >= 0.5 for m in report.leaves)
    cols[1].metric(
        "Thin leaves", f"{thin:,}", help="Fewer than 3 distinct-looking seed questions (thinness ≥ 0.5)"
    )
    cols[2].metric("Real items", f"{n:,}")
    cols[3].metric(
        "Covered", f"{report.covered / n:.0%}" if n else "–", help=f"At threshold {report.threshold:.2f}"
    )
    cols[4].metric("Uncovered clusters", f"{len(report.clusters):,}")
    cols[5].metric("Overlapping pairs", f"{len(report.overlaps):,}")
    st.caption(
        f"Encoder **{md_escape(report.model)}** on **{md_escape(report.device)}** · {md_escape(data_label)} · "
        f"embedding cache: {cached:,} texts reused, {embedded:,} embedded now"
    )


def _short(text: str, limit: int = EXAMPLE_CHARS) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _clusters(report: CoverageReport) -> None:
    if not report.items:
        st.info("Run with real data to see which requests no leaf covers.", icon=":material/info:")
        return
    if not report.clusters:
        st.success("Every real item is covered at this threshold.", icon=":material/check_circle:")
        return
    st.caption(
        "Uncovered items grouped by meaning (k-means on their embeddings). Key terms are words common in the "
        "cluster and rare elsewhere; the new leaf goes beside the cluster's nearest leaf."
    )
    for c in report.clusters:
        with st.container(border=True):
            head, buttons = st.columns([4, 2])
            terms = " · ".join(md_escape(t) for t in c.key_terms) or "—"
            head.markdown(f"**{c.size} requests** · {terms}")
            head.caption(f"Nearest leaf {md_escape(c.nearest_leaf)} (similarity {c.similarity:.2f})")
            with head:
                show("\n".join(f"• {_short(ex)}" for ex in c.examples))
            path = buttons.text_input("New leaf path", value=c.suggested_path, key=f"cov_cluster_path_{c.id}")
            prefill = leaf_prefill(c)
            prefill["path"] = path.strip().strip("/") or c.suggested_path
            buttons.button(
                "Create leaf from cluster",
                icon=":material/add_circle:",
                type="primary",
                key=f"cov_create_{c.id}",
                on_click=nav.new_leaf_in_editor,
                args=(prefill,),
                width="stretch",
            )
            buttons.button(
                "Open nearest leaf",
                icon=":material/edit_note:",
                key=f"cov_open_near_{c.id}",
                on_click=nav.open_in_editor,
                args=(c.nearest_leaf,),
                width="stretch",
            )


def _selected(event: object, column: str, frame: object) -> str | None:
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if not rows:
        return None
    value = str(frame.iloc[rows[0]][column])  # type: ignore[attr-defined]
    # Undo the spreadsheet-safe apostrophe (labui.csvsafe) to get the leaf path back.
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def _thin_leaves(report: CoverageReport) -> None:
    st.markdown(
        "Gap = thinness × (0.5 + 0.5 × demand ÷ the largest demand). Thinness is 1 − distinct seeds ÷ 5, "
        "where near-copies count as less than one seed; demand is the number of covered real items "
        "whose best leaf this is."
    )
    frame = coverage_viz.leaves_frame(report, limit=30)
    event = st.dataframe(
        frame,
        key=KEY_LEAVES_TABLE,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "gap": st.column_config.ProgressColumn("gap", min_value=0.0, max_value=1.0, format="%.2f"),
            "leaf": st.column_config.TextColumn("leaf", width="large"),
        },
    )
    path = _selected(event, "leaf", frame)
    st.button(
        f"Open {md_escape(path.rsplit('/', 1)[-1])} in the Editor" if path else "Open leaf (select a row)",
        icon=":material/edit_note:",
        disabled=path is None,
        on_click=nav.open_in_editor if path else None,
        args=(path,) if path else None,
        key="cov_open_thin",
    )
    # The gap table is sorted by gap: its first rows are the leaves most worth new samples.
    thinnest = [str(p) for p in frame["leaf"].head(THIN_TO_GENERATE)]
    st.button(
        f"Generate for the {len(thinnest)} thinnest leaves",
        icon=":material/auto_awesome:",
        disabled=not thinnest,
        on_click=nav.generate_for,
        args=(thinnest,),
        key="cov_generate_thin",
        help="Opens the Generate page with these leaves chosen.",
    )


def _overlaps(report: CoverageReport) -> None:
    if not report.overlaps:
        st.success("No two leaves share near-duplicate seeds or sit on top of each other.")
        return
    st.caption(
        "Pairs of leaves with near-duplicate seed questions (cosine ≥ 0.95) or seed centroids on top of each "
        "other (cosine ≥ 0.90): merge them, or make their seeds say what tells them apart."
    )
    frame = coverage_viz.overlaps_frame(report)
    event = st.dataframe(
        frame, key=KEY_OVERLAPS_TABLE, hide_index=True, on_select="rerun", selection_mode="single-row"
    )
    c1, c2, _ = st.columns([1, 1, 3])
    for col, side in ((c1, "leaf A"), (c2, "leaf B")):
        path = _selected(event, side, frame)
        col.button(
            f"Open {side}",
            icon=":material/edit_note:",
            disabled=path is None,
            on_click=nav.open_in_editor if path else None,
            args=(path,) if path else None,
            key=f"cov_open_{side}",
        )


def _items(report: CoverageReport) -> None:
    if not report.items:
        st.info("No real data in this analysis.")
        return
    only = st.toggle("Uncovered only", key=KEY_UNCOVERED_ONLY)
    st.dataframe(
        coverage_viz.items_frame(report, uncovered_only=only),
        hide_index=True,
        column_config={"text": st.column_config.TextColumn("text", width="large")},
    )


def _downloads(report: CoverageReport) -> None:
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Download the report (JSON)",
        data=json.dumps(report.to_json(), ensure_ascii=False, indent=1),
        file_name="coverage.json",
        mime="application/json",
        icon=":material/download:",
        key="cov_dl_json",
    )
    c2.download_button(
        "Download the leaves (CSV)",
        data=to_csv(coverage_viz.leaves_frame(report)),
        file_name="coverage-leaves.csv",
        mime="text/csv",
        icon=":material/download:",
        key="cov_dl_leaves",
    )
    c3.download_button(
        "Download the items (CSV)",
        data=to_csv(coverage_viz.items_frame(report)),
        file_name="coverage-items.csv",
        mime="text/csv",
        icon=":material/download:",
        key="cov_dl_items",
        disabled=not report.items,
    )


def results(run: Analysis, data_label: str, cached: int, embedded: int) -> None:
    """Everything below the inputs, at the threshold the slider holds (only the report is rebuilt)."""
    report = run.report(round(threshold_slider(), 3))
    headline(report, data_label, cached, embedded)
    left, right = st.columns([1, 1])
    with left:
        st.subheader("Gaps in the tree")
        st.plotly_chart(coverage_viz.sunburst(report), key="cov_sunburst")
    with right:
        st.subheader("Seeds and real requests")
        st.plotly_chart(coverage_viz.map_figure(run.index(), report, run.vectors), key="cov_map")
    tabs = st.tabs(
        [
            f"Uncovered clusters ({len(report.clusters)})",
            "Thinnest leaves",
            f"Overlaps ({len(report.overlaps)})",
            f"Items ({len(report.items):,})",
        ]
    )
    with tabs[0]:
        _clusters(report)
    with tabs[1]:
        _thin_leaves(report)
    with tabs[2]:
        _overlaps(report)
    with tabs[3]:
        _items(report)
    _downloads(report)
