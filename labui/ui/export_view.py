"""The Export page: choose what to export, see what it holds, write it or download it as a zip.

Pick runs and leaves or branches, see per-leaf counts before writing, write the export to a folder
or prepare a zip to download, and read the dataset card it wrote (as text).

Buttons only record the request in session state (on_click); the body of the next run does the work
with a progress bar, so a click is never lost to a rerun. Cancel stops a running export between two rows
(see _ExportJob); the writer's cleanup leaves the earlier export in that folder as it was.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from labui.errors import JobCancelled, LabuiError
from labui.export.archive import zip_export
from labui.export.messages import DEFAULT_SYSTEM_PROMPT
from labui.export.writer import FILE_KINDS, ExportOptions, check_exportable, export_dataset, select_leaves
from labui.store.db import Store
from labui.store.samples import list_runs
from labui.store.workspace import default_workspace
from labui.taxonomy import Taxonomy
from labui.ui import state
from labui.ui.text import error, md_code, md_escape

KEY_RUNS = "exp_runs"
KEY_LEAVES = "exp_leaves"
KEY_UNREVIEWED = "exp_unreviewed"
KEY_FILES = "exp_files"
KEY_PROMPT = "exp_system_prompt"
KEY_OUT = "exp_out"
ZIP_DOWNLOAD_MAX = 512 * 2**20  # bigger zips are left on disk, their path shown
KEY_PENDING = "exp_pending"  # "write" | "zip", set by a button's callback
KEY_RESULT = "exp_result"  # what the last export wrote: dict(out, samples, per_leaf, files, card, zip)
KEY_ERROR = "exp_error"
KEY_JOB = "exp_job"  # the export under way, or stopped and not yet reported: an _ExportJob
STOP_WAIT_S = 120.0  # how long a run waits for a stopped export to finish cleaning up


def default_out(tx: Taxonomy) -> Path:
    """Exports live in the workspace by default (the taxonomy repository stays clean)."""
    return default_workspace(tx.root) / "exports" / tx.root.name


@dataclass
class _ExportJob:
    """One export, as the run that started it and the runs after it see it.

    Streamlit stops a running script at its next element call when the page is used (and, with fast
    reruns, starts the next run at once, in another thread): the export then unwinds in the old
    thread while the new one draws. So the job carries its own cancel flag (the writer checks it
    between rows) and a `finished` event, and the next run waits for it before saying what happened.
    """

    out: str
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    outcome: str = "running"  # then "done", "cancelled", "stopped" or "failed"


def _request(kind: str) -> None:
    st.session_state[KEY_PENDING] = kind
    st.session_state.pop(KEY_ERROR, None)


def _cancel() -> None:
    job = st.session_state.get(KEY_JOB)
    if isinstance(job, _ExportJob):
        job.cancel.set()  # the exporting thread alone writes the outcome: it knows what it wrote


def _branches(leaves: list[str]) -> list[str]:
    """Every leaf and every folder above one: what the leaf/branch picker offers."""
    out = set(leaves)
    for leaf in leaves:
        parts = leaf.split("/")
        out.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return sorted(out)


def _options() -> ExportOptions:
    return ExportOptions(
        run_ids=tuple(st.session_state.get(KEY_RUNS) or ()),
        leaves=tuple(st.session_state.get(KEY_LEAVES) or ()),
        files=tuple(st.session_state.get(KEY_FILES) or ()),
        include_unreviewed=bool(st.session_state.get(KEY_UNREVIEWED)),
        system_prompt=str(st.session_state.get(KEY_PROMPT) or DEFAULT_SYSTEM_PROMPT),
    )


def _run_export(
    store: Store, tx: Taxonomy, kind: str, options: ExportOptions, cancel: DeltaGenerator
) -> None:
    """Export with a progress bar; `cancel` is the placeholder for the Cancel button, emptied at the end."""
    out = Path(str(st.session_state.get(KEY_OUT) or default_out(tx))).expanduser()
    if kind == "zip":  # the download is built from its own folder, beside the default one
        out = default_out(tx).parent / f"{tx.root.name}-download"
    cancel.button(
        "Cancel export",
        key="exp_cancel",
        icon=":material/stop:",
        on_click=_cancel,
        help="Stops the export; an earlier export in that folder stays as it was",
    )
    bar = st.progress(0.0, text="Exporting…")

    def progress(done: int, total: int) -> None:
        bar.progress(
            min(1.0, done / total) if total else 1.0, text=f"Exporting… {done:,} of {total:,} samples"
        )

    job = _ExportJob(str(out))
    st.session_state[KEY_JOB] = job
    try:
        result = export_dataset(store, tx, out, options, progress=progress, cancel=job.cancel.is_set)
        done: dict[str, Any] = {**result.to_json(), "card": (result.out / "README.md").read_text("utf-8")}
        if kind == "zip":
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
            done["zip"] = str(zip_export(result.out, out.with_name(f"{tx.root.name}-export-{stamp}.zip")))
        st.session_state[KEY_RESULT] = done  # before any element call: a stop there must not lose it
        job.outcome = "done"
    except JobCancelled:
        job.outcome = "cancelled"
    except LabuiError as exc:
        job.outcome = "failed"
        st.session_state[KEY_ERROR] = str(exc)
    except BaseException:  # Streamlit stopping this run (Cancel, or the page used): nothing was written
        job.outcome = "cancelled" if job.cancel.is_set() else "stopped"
        raise
    finally:
        job.finished.set()
    bar.empty()
    cancel.empty()


def _counts_table(counts: dict[str, dict[str, int]], options: ExportOptions) -> None:
    wanted = ("accepted", "edited", "new") if options.include_unreviewed else ("accepted", "edited")
    rows = [
        {
            "leaf": leaf,
            "accepted": by["accepted"],
            "edited": by["edited"],
            "not reviewed": by["new"],
            "rejected": by["rejected"],
            "to export": sum(by[s] for s in wanted),
        }
        for leaf, by in counts.items()
    ]
    counted = ("accepted", "edited", "not reviewed", "rejected", "to export")
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(c, format="localized") for c in counted},
    )


def _show_result(done: dict[str, Any]) -> None:
    st.success(f"Exported {done['samples']:,} samples to {md_code(done['out'])}", icon=":material/task_alt:")
    if done.get("zip"):
        zip_path = Path(done["zip"])
        if zip_path.is_file() and zip_path.stat().st_size > ZIP_DOWNLOAD_MAX:
            # A download button holds the whole file in the server's memory, per session.
            st.info(
                f"The zip is {zip_path.stat().st_size / 2**20:,.0f} MiB, too big to offer through the "
                f"browser; it is on this machine at {md_code(str(zip_path))}."
            )
        elif zip_path.is_file():
            st.download_button(
                "Download the zip",
                data=zip_path.read_bytes(),
                file_name=zip_path.name,
                mime="application/zip",
            )
    plot = Path(done["out"]) / "per_leaf.png"
    if plot.is_file():
        st.image(str(plot), caption="Samples per leaf")
    st.subheader("Dataset card (README.md)")
    st.caption("Shown as written: the card quotes leaf paths, teacher and reviewer names.")
    st.code(done["card"], language="markdown", height=480)  # a long card scrolls in its box


def _report_job(notice: DeltaGenerator) -> bool:
    """Say in `notice` how the last export ended when a rerun stopped its run (Cancel, or the page used
    while it ran), once it has finished unwinding: what it wrote, or that it wrote nothing.

    `notice` is the placeholder that held the stopped run's Cancel button, so the message replaces the
    button at once (a spinner is drawn beside what is there, and the button would stay until the run
    ends). True when it said something."""
    job = st.session_state.get(KEY_JOB)
    if not isinstance(job, _ExportJob):
        return False
    if not job.finished.is_set():
        notice.info("Stopping the export…", icon=":material/hourglass_top:")
        job.finished.wait(STOP_WAIT_S)
        if not job.finished.is_set():
            notice.info("The export is still stopping; this page will say how it ended.")
            return True
    del st.session_state[KEY_JOB]
    if job.outcome not in ("cancelled", "stopped"):
        notice.empty()
        return False
    what = "Export cancelled" if job.outcome == "cancelled" else "The export stopped (the page was used)"
    notice.warning(
        f"{what}: nothing was written to {md_code(job.out)}; an earlier export there is as it was.",
        icon=":material/block:",
    )
    return True


def render() -> None:
    st.title("Export")
    tx = state.current_taxonomy()
    if tx is None:
        return
    store = Store.for_taxonomy(tx.root)
    runs = list_runs(store)
    if not runs:
        st.info("No generation runs in this workspace yet: generate samples and review them first.")
        return
    labels = {
        run.id: f"#{run.id} · {run.teacher_model} · {run.status} · {samples:,} samples"
        for run, _, _, samples in runs
    }
    st.multiselect(
        "Runs", list(labels), format_func=lambda i: labels[i], key=KEY_RUNS, placeholder="Every run"
    )
    all_counts = select_leaves(store, tuple(st.session_state.get(KEY_RUNS) or ()), ())
    st.multiselect(
        "Leaves or branches", _branches(list(all_counts)), key=KEY_LEAVES, placeholder="Every leaf"
    )
    left, right = st.columns(2)
    with left:
        st.multiselect("Data files", list(FILE_KINDS), default=list(FILE_KINDS), key=KEY_FILES)
        st.checkbox(
            "Include samples nobody reviewed",
            key=KEY_UNREVIEWED,
            help="The card says so; rejected never leave.",
        )
    with right:
        st.text_area("System prompt", value=DEFAULT_SYSTEM_PROMPT, key=KEY_PROMPT, height=90)
    options = _options()
    problem = None
    try:
        counts = select_leaves(store, options.run_ids, options.leaves)
        total = check_exportable(counts, options)
    except LabuiError as exc:
        counts, total, problem = {}, 0, str(exc)
    if counts:
        _counts_table(counts, options)
    st.metric("Samples to export", f"{total:,}")
    if problem:
        error(problem)
    st.text_input("Export folder", value=str(default_out(tx)), key=KEY_OUT)
    a, b = st.columns(2)
    blocked = problem is not None or not options.files
    pending = st.session_state.pop(KEY_PENDING, None)
    # While this run exports, both buttons are drawn disabled: Streamlit skips the callback of a widget
    # its last run drew disabled, so the click that started this export, replayed into the run that a
    # Cancel click starts, cannot start another export (seen under load: Cancel, then a new export).
    busy = bool(pending) and not blocked
    a.button("Write export", type="primary", disabled=blocked or busy, on_click=_request, args=("write",))
    b.button("Prepare a zip to download", disabled=blocked or busy, on_click=_request, args=("zip",))
    notice = st.empty()  # the Cancel button while an export runs, then how it ended
    said = _report_job(notice)  # first: a new export waits until an earlier one has unwound
    if busy:
        _run_export(store, tx, str(pending), options, st.empty() if said else notice)
        st.rerun()  # draw the page again with the buttons enabled and what the export did
    if st.session_state.get(KEY_ERROR):
        error(str(st.session_state[KEY_ERROR]))
    done = st.session_state.get(KEY_RESULT)
    if done:
        _show_result(done)
    st.caption(f"Workspace: {md_escape(str(store.path))}")
