"""The Coverage page: pick real data, embed it and the tree (cached), and show where the tree is thin,
where leaves overlap, and which real requests no leaf covers.

The analysis is labui.coverage; the figures and tables labui.coverage_viz. This module lays them out,
holds the result in session state (so moving the threshold only rebuilds the cheap report), and hands
a cluster to the Editor as a new-leaf prefill.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from labui.coverage import viz as coverage_viz
from labui.coverage.analysis import (
    DEFAULT_THRESHOLD,
    CoverageReport,
    Scores,
    TaxonomyIndex,
    build_report,
    leaf_prefill,
)
from labui.coverage.embed import DEFAULT_BATCH_SIZE, DEFAULT_MODEL, DEVICES
from labui.coverage.realdata import RealData, load_bytes, load_files, parse_fields
from labui.errors import UsageError
from labui.taxonomy.tree import Taxonomy
from labui.ui import state

if TYPE_CHECKING:
    import numpy as np

KEY_RESULT = "cov_result"
KEY_SOURCE = "cov_source"
KEY_PATHS = "cov_paths"
KEY_UPLOADS = "cov_uploads"
KEY_FIELDS = "cov_fields"
KEY_THRESHOLD = "cov_threshold"
KEY_MODEL = "cov_model"
KEY_DEVICE = "cov_device"
KEY_BATCH = "cov_batch"
KEY_LEAVES_TABLE = "cov_leaves_table"
KEY_OVERLAPS_TABLE = "cov_overlaps_table"
KEY_UNCOVERED_ONLY = "cov_uncovered_only"
KEY_EDITOR_PREFILL = "editor_prefill"  # read by the Editor page: a new leaf to start from
SOURCE_PATHS, SOURCE_UPLOAD, SOURCE_NONE = "Files on disk", "Upload", "No real data (taxonomy only)"


@dataclass(slots=True)
class Result:
    """One analysis: everything needed to rebuild the report at another threshold without embedding."""

    taxonomy_key: str
    data_label: str
    index: TaxonomyIndex
    texts: list[str]
    vectors: np.ndarray
    scores: Scores
    cached: int
    embedded: int
    reports: dict[float, CoverageReport]

    def report(self, threshold: float) -> CoverageReport:
        key = round(threshold, 3)
        if key not in self.reports:
            self.reports.clear()  # one at a time: a report holds every item
            self.reports[key] = build_report(self.index, self.texts, self.vectors, self.scores, key)
        return self.reports[key]


def _taxonomy_key(tx: Taxonomy) -> str:
    h = hashlib.sha256(str(tx.root).encode())
    for leaf in tx.leaves:
        h.update(leaf.path.encode() + leaf.sha256.encode())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------------
# Inputs.


def _settings() -> tuple[str, str, int]:
    with st.expander("Encoder", icon=":material/memory:"):
        c1, c2, c3 = st.columns([3, 1, 1])
        model = c1.text_input(
            "Model",
            value=DEFAULT_MODEL,
            key=KEY_MODEL,
            help="A sentence-transformers model name or local folder. The default ships with labui (offline).",
        )
        device = c2.selectbox("Device", DEVICES, key=KEY_DEVICE, help="auto: CUDA, then Apple MPS, then CPU")
        batch = c3.number_input("Batch size", 1, 4096, DEFAULT_BATCH_SIZE, key=KEY_BATCH)
    return model.strip() or DEFAULT_MODEL, str(device), int(batch)


def _data_inputs() -> tuple[str, Any]:
    source = st.radio(
        "Real data",
        (SOURCE_PATHS, SOURCE_UPLOAD, SOURCE_NONE),
        key=KEY_SOURCE,
        horizontal=True,
        help="Requests your model should handle (JSONL, CSV or parquet): what the taxonomy is checked against.",
    )
    if source == SOURCE_PATHS:
        c1, c2 = st.columns([3, 1])
        paths = c1.text_input(
            "Data files",
            key=KEY_PATHS,
            value=os.environ.get("LABUI_COVERAGE_DATA", ""),
            placeholder="/path/to/requests.jsonl, /path/to/more.csv",
            help="One or more paths, separated by commas.",
        )
        c2.text_input("Text field", key=KEY_FIELDS, value="instruction", help=_FIELD_HELP)
        return source, [p.strip() for p in paths.split(",") if p.strip()]
    if source == SOURCE_UPLOAD:
        c1, c2 = st.columns([3, 1])
        files = c1.file_uploader(
            "Data files",
            type=["jsonl", "json", "csv", "parquet"],
            accept_multiple_files=True,
            key=KEY_UPLOADS,
        )
        c2.text_input("Text field", key=KEY_FIELDS, value="instruction", help=_FIELD_HELP)
        return source, files or []
    return source, None


_FIELD_HELP = (
    "The field holding the request. Dotted for nested records (`instances.input`); several, separated by "
    "commas, are joined. Empty: guessed (instruction, prompt, question, text, input)."
)


def _load_data(source: str, value: Any) -> RealData | None:
    fields = parse_fields(st.session_state.get(KEY_FIELDS, ""))
    if source == SOURCE_PATHS:
        if not value:
            raise UsageError("Give at least one data file, or choose “No real data”.")
        return load_files(value, fields)
    if source == SOURCE_UPLOAD:
        if not value:
            raise UsageError("Upload at least one file, or choose “No real data”.")
        data = RealData(fields=fields)
        for f in value:
            load_bytes(f.getvalue(), f.name, fields, start=data)
        return data
    return None


def _run(tx: Taxonomy, model: str, device: str, batch: int, data: RealData | None, label: str) -> Result:
    import numpy as np

    from labui.coverage.analysis import embed_items, index_taxonomy, score_items
    from labui.coverage.embed import CachedEmbedder
    from labui.store import Store

    encoder = state.encoder(model, device, batch)
    embedder = CachedEmbedder(encoder, Store.for_taxonomy(tx.root))
    bar = st.progress(0.0, text="Embedding the taxonomy…")

    def stage(label: str, lo: float, hi: float) -> Any:
        def progress(done: int, total: int) -> None:
            frac = done / total if total else 1.0
            bar.progress(min(1.0, lo + (hi - lo) * frac), text=f"{label}: {done:,} / {total:,}")

        return progress

    texts = data.texts if data else []
    has = bool(texts)
    index = index_taxonomy(tx, embedder, stage("Embedding the taxonomy", 0.0, 0.3 if has else 0.9))
    vectors = (
        embed_items(texts, embedder, stage("Embedding the real data", 0.3, 0.9))
        if has
        else np.zeros((0, index.dim), dtype=np.float32)
    )
    scores = score_items(index, vectors, progress=stage("Scoring", 0.9, 1.0))
    bar.empty()
    return Result(
        taxonomy_key=_taxonomy_key(tx),
        data_label=label,
        index=index,
        texts=list(texts),
        vectors=vectors,
        scores=scores,
        cached=embedder.stats.hits,
        embedded=embedder.stats.misses,
        reports={},
    )


# --------------------------------------------------------------------------------------------------
# Output.


def _open_leaf(path: str) -> None:
    st.session_state[state.KEY_EDITOR_LEAF] = path
    st.switch_page("pages/editor.py")


def _create_leaf(prefill: dict[str, Any]) -> None:
    st.session_state[KEY_EDITOR_PREFILL] = prefill
    st.switch_page("pages/editor.py")


def _headline(result: Result, report: CoverageReport) -> None:
    n = len(report.items)
    cols = st.columns(6)
    cols[0].metric("Leaves", len(report.leaves))
    thin = sum(m.thinness >= 0.5 for m in report.leaves)
    cols[1].metric("Thin leaves", thin, help="Fewer than 3 distinct-looking seed questions (thinness ≥ 0.5)")
    cols[2].metric("Real items", f"{n:,}")
    cols[3].metric(
        "Covered", f"{report.covered / n:.0%}" if n else "–", help=f"At threshold {report.threshold:.2f}"
    )
    cols[4].metric("Uncovered clusters", len(report.clusters))
    cols[5].metric("Overlapping pairs", len(report.overlaps))
    st.caption(
        f"Encoder **{report.model}** on **{report.device}** · {result.data_label} · "
        f"embedding cache: {result.cached:,} texts reused, {result.embedded:,} embedded now"
    )


def _threshold() -> float:
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
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    path = str(frame.iloc[rows[0]]["leaf"]) if rows else None
    st.button(
        f"Open {path.rsplit('/', 1)[-1]} in the Editor" if path else "Open leaf (select a row)",
        icon=":material/edit_note:",
        disabled=path is None,
        on_click=_open_leaf if path else None,
        args=(path,) if path else None,
        key="cov_open_thin",
    )


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
            terms = " · ".join(c.key_terms) or "—"
            head.markdown(f"**{c.size} requests** · {terms}")
            head.caption(f"Nearest leaf `{c.nearest_leaf}` (similarity {c.similarity:.2f})")
            for ex in c.examples:
                head.markdown(f"- {coverage_viz._hover_text(ex, width=10_000, limit=240)}")
            path = buttons.text_input("New leaf path", value=c.suggested_path, key=f"cov_cluster_path_{c.id}")
            prefill = leaf_prefill(c)
            prefill["path"] = path.strip().strip("/") or c.suggested_path
            buttons.button(
                "Create leaf from cluster",
                icon=":material/add_circle:",
                type="primary",
                key=f"cov_create_{c.id}",
                on_click=_create_leaf,
                args=(prefill,),
                width="stretch",
            )
            buttons.button(
                "Open nearest leaf",
                icon=":material/edit_note:",
                key=f"cov_open_near_{c.id}",
                on_click=_open_leaf,
                args=(c.nearest_leaf,),
                width="stretch",
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
        frame,
        key=KEY_OVERLAPS_TABLE,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    c1, c2, _ = st.columns([1, 1, 3])
    for col, side in ((c1, "leaf A"), (c2, "leaf B")):
        path = str(frame.iloc[rows[0]][side]) if rows else None
        col.button(
            f"Open {side}",
            icon=":material/edit_note:",
            disabled=path is None,
            on_click=_open_leaf if path else None,
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


def coverage_page() -> None:
    st.title("Coverage")
    st.caption(
        "Embeds every leaf and your real requests with a sentence encoder: which leaves are thin, which "
        "overlap, and which requests no leaf covers."
    )
    tx = state.current_taxonomy()
    if tx is None:
        return
    model, device, batch = _settings()
    source, value = _data_inputs()
    if st.button("Analyse coverage", type="primary", icon=":material/radar:", key="cov_run"):
        try:
            data = _load_data(source, value)
            label = (
                f"{len(data):,} items from {', '.join(sorted({s for s, _ in data.sources}))}"
                if data
                else ("taxonomy only")
            )
            st.session_state[KEY_RESULT] = _run(tx, model, device, batch, data, label)
        except UsageError as exc:
            st.error(str(exc), icon=":material/error:")
            return
    result: Result | None = st.session_state.get(KEY_RESULT)
    if result is None:
        st.info("Choose the real data and press **Analyse coverage**.", icon=":material/radar:")
        return
    if result.taxonomy_key != _taxonomy_key(tx):
        st.warning(
            "The taxonomy changed since this analysis: press **Analyse coverage** again (only what changed "
            "is embedded).",
            icon=":material/sync_problem:",
        )
    threshold = _threshold()
    report = result.report(threshold)
    _headline(result, report)
    left, right = st.columns([1, 1])
    with left:
        st.subheader("Gaps in the tree")
        st.plotly_chart(coverage_viz.sunburst(report), key="cov_sunburst")
    with right:
        st.subheader("Seeds and real requests")
        st.plotly_chart(
            coverage_viz.map_figure(result.index, report, result.vectors),
            key="cov_map",
        )
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
    import json

    st.download_button(
        "Download the report (JSON)",
        data=json.dumps(report.to_json(), ensure_ascii=False, indent=1),
        file_name="coverage.json",
        mime="application/json",
        icon=":material/download:",
    )
