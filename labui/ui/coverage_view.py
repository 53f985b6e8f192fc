"""The Coverage page: pick real data and run the library's coverage analysis step by step.

Counts and progress are on screen; the results show where the tree is thin, where leaves overlap,
and which real requests no leaf covers.

The analysis is labui.coverage.analysis.Analysis: this module calls its steps (index, add batches)
so that every step shows progress, and keeps the Analysis in session state (moving the threshold
only rebuilds the cheap report). The results are drawn by labui.ui.coverage_results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from labui.coverage.analysis import Analysis, taxonomy_key
from labui.coverage.embed import DEFAULT_BATCH_SIZE, DEFAULT_MODEL, DEVICES
from labui.coverage.index import seed_texts
from labui.coverage.realdata import BATCH, RealData, load_bytes, load_files, parse_fields
from labui.errors import LabuiError, UsageError
from labui.taxonomy import Taxonomy
from labui.ui import state
from labui.ui.coverage_results import KEY_THRESHOLD, results
from labui.ui.nav import KEY_EDITOR_PREFILL
from labui.ui.text import error

__all__ = ["KEY_EDITOR_PREFILL", "KEY_THRESHOLD", "coverage_page"]

KEY_RESULT = "cov_result"
KEY_SOURCE = "cov_source"
KEY_PATHS = "cov_paths"
KEY_UPLOADS = "cov_uploads"
KEY_FIELDS = "cov_fields"
KEY_MODEL = "cov_model"
KEY_DEVICE = "cov_device"
KEY_BATCH = "cov_batch"
KEY_PENDING = "cov_pending"  # "Analyse coverage" was clicked; this run does it
KEY_SAMPLES = "cov_samples"  # which generated samples count as examples of their leaf
SOURCE_PATHS, SOURCE_UPLOAD, SOURCE_NONE = "Files on disk", "Upload", "No real data (taxonomy only)"


@dataclass(slots=True)
class CoverageRun:
    """One finished analysis and what the page says about it."""

    analysis: Analysis
    data_label: str
    cached: int
    embedded: int


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


_FIELD_HELP = (
    "The field holding the request. Dotted for nested records (`instances.input`); several, separated by "
    "commas, are joined. Empty: guessed (instruction, prompt, question, text, input)."
)


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


SAMPLE_CHOICES = {  # the radio's words → labui.store.review.EXAMPLE_STATUSES
    "Seeds only": "none",
    "Accepted samples too": "accepted",
    "All samples but the rejected too": "all",
}


def _samples_input() -> str:
    choice = st.radio(
        "Generated samples",
        tuple(SAMPLE_CHOICES),
        key=KEY_SAMPLES,
        horizontal=True,
        help=(
            "Count a leaf's generated samples (the newest 200 of each) as more of its examples: a real "
            "request near one is covered. The seed figures (count, diversity, overlaps) stay the seeds'."
        ),
    )
    return SAMPLE_CHOICES[choice]


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


def _tree_counts(tx: Taxonomy) -> None:
    """What is known without an encoder, shown at once: leaves and seed questions."""
    c1, c2, _ = st.columns([1, 1, 4])
    c1.metric("Leaves", f"{len(tx.leaves):,}")
    c2.metric("Seed questions", f"{sum(len(seed_texts(leaf)) for leaf in tx.leaves):,}")


# --------------------------------------------------------------------------------------------------
# The run: the library's steps, with progress on screen after every batch.


def _bar(
    bar: Any, label: str, lo: float, hi: float, offset: int = 0, total: int = 0
) -> Callable[[int, int], None]:
    def progress(done: int, n: int) -> None:
        whole = total or n
        frac = (offset + done) / whole if whole else 1.0
        bar.progress(min(1.0, lo + (hi - lo) * frac), text=f"{label}: {offset + done:,} / {whole:,}")

    return progress


def _run(
    tx: Taxonomy, model: str, device: str, batch: int, data: RealData | None, label: str, samples: str
) -> CoverageRun:
    from labui.coverage.embed import CachedEmbedder
    from labui.store import Store
    from labui.store.review import EXAMPLE_STATUSES, example_questions

    texts = data.texts if data else []
    store = Store.for_taxonomy(tx.root)
    examples = example_questions(store, EXAMPLE_STATUSES[samples])
    with st.status("Analysing coverage…", expanded=True) as status:
        n = sum(map(len, examples.values()))
        also = f" · {n:,} generated samples of {len(examples):,} leaves as examples" if examples else ""
        st.write(f"{len(tx.leaves):,} leaves · {len(texts):,} real items ({label}){also}")
        status.update(label="Loading the encoder…")
        embedder = CachedEmbedder(state.encoder(model, device, batch), store)
        status.update(label="Embedding the taxonomy…")
        bar = st.progress(0.0, text="Embedding the taxonomy…")
        run = Analysis(tx, embedder, examples=examples)
        split = 0.3 if texts else 1.0
        run.index(_bar(bar, "Embedding the taxonomy", 0.0, split))
        if texts:
            status.update(label="Embedding and scoring the real data…")
        for start in range(0, len(texts), BATCH):
            run.add(texts[start : start + BATCH], _bar(bar, "Real data", split, 1.0, start, len(texts)))
        bar.empty()
        status.update(label="Analysis done", state="complete", expanded=False)
    return CoverageRun(run, label + also, embedder.stats.hits, embedder.stats.misses)


def _ask() -> None:
    st.session_state[KEY_PENDING] = True


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
    samples = _samples_input()
    result: CoverageRun | None = st.session_state.get(KEY_RESULT)
    # The click is recorded by its callback before the rerun, so it counts even under load.
    st.button("Analyse coverage", type="primary", icon=":material/radar:", key="cov_run", on_click=_ask)
    if st.session_state.pop(KEY_PENDING, False):
        try:
            data = _load_data(source, value)
            label = (
                f"{len(data):,} items from {', '.join(sorted({s for s, _ in data.sources}))}"
                if data
                else "taxonomy only"
            )
            result = st.session_state[KEY_RESULT] = _run(tx, model, device, batch, data, label, samples)
        except LabuiError as exc:
            error(str(exc))
            return
    if result is None:
        _tree_counts(tx)
        st.info("Choose the real data and press **Analyse coverage**.", icon=":material/radar:")
        return
    if result.analysis.key != taxonomy_key(tx):
        st.warning(
            "The taxonomy changed since this analysis: press **Analyse coverage** again (only what changed "
            "is embedded).",
            icon=":material/sync_problem:",
        )
    results(result.analysis, result.data_label, result.cached, result.embedded)
