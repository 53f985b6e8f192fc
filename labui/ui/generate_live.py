"""The Generate page's runs: pick one, watch it live (per leaf and stage, ETA), cancel, resume, read samples.

Progress comes from the store (what any process wrote) and, for a job of this server process, from its
live snapshot (requests in flight per stage). The panel refreshes itself once a second while the job
runs (st.fragment(run_every=...)), and stops refreshing when it ends.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

import streamlit as st

from labui.errors import LabuiError
from labui.generate.local import LOCAL_MODEL
from labui.generate.runner import plan_resume, run_summary
from labui.generate.teacher import ENV_KEY, check_teacher
from labui.store import samples as db
from labui.store.db import Store
from labui.taxonomy import Taxonomy
from labui.ui import jobs, nav
from labui.ui.text import error, label, md_code, md_escape, show

KEY_RUN = "gen_run"
KEY_RESUME_ERROR = "gen_resume_error"
REFRESH_S = 1.0
NEWEST = 5


def runs_picker(store: Store) -> int | None:
    runs = db.list_runs(store)
    if not runs:
        st.caption("No runs yet.")
        return None
    ids = [r.id for r, *_ in runs]
    if st.session_state.get(KEY_RUN) not in ids:
        # A refreshed browser has a new session: show the job this server is running, else the newest run.
        running = [j.run_id for j in jobs.registry().running(store.path) if j.run_id in ids]
        st.session_state[KEY_RUN] = running[-1] if running else ids[-1]
    info = {r.id: (r, n, req, got) for r, n, req, got in runs}

    def describe(run_id: int) -> str:
        r, n, req, _ = info[run_id]
        started = datetime.fromtimestamp(r.created_at).strftime("%d %b %H:%M")
        # No status or counts here: the panel below shows them live (a select keeps its labels until
        # the whole page reruns).
        return f"#{run_id} · {n} leaves · {req} samples asked · started {started}"

    picked: int = st.selectbox("Run", list(reversed(ids)), key=KEY_RUN, format_func=describe)
    return picked


def _cancel(run_id: int) -> None:
    job = jobs.registry().get(run_id)
    if job is not None:
        job.cancel.set()


def _resume(tx: Taxonomy, store: Store, run_id: int) -> None:
    st.session_state.pop(KEY_RESUME_ERROR, None)
    try:
        plan = plan_resume(store, tx, run_id)
        config = plan.teacher
        if config.model == LOCAL_MODEL and all(u.startswith("http://127.0.0.1:") for u in config.urls):
            config = replace(config, urls=(jobs.local_teacher_holder().get().url,))
        plan.teacher = config
        key = str(st.session_state.get("gen_key") or "") or os.environ.get(ENV_KEY)
        check_teacher(config, key)
        jobs.registry().start(store, plan, key, f"{config.model} at {', '.join(config.urls)}")
    except LabuiError as exc:
        st.session_state[KEY_RESUME_ERROR] = str(exc)


def _eta(job: jobs.Job | None, remaining: int) -> str:
    if job is None or not job.running or job.live.done == 0:
        return "–"
    rate = job.live.done / max(time.monotonic() - job.live.started, 1e-6)
    seconds = remaining / rate
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _leaf_table(leaves: list[db.RunLeafRow], job: jobs.Job | None) -> list[dict[str, Any]]:
    rows = []
    inflight = job.live.inflight if job is not None and job.running else {}
    for leaf in leaves:
        c = leaf.counters
        tokens = c.get("tokens") or {}
        stages = c.get("stages") or {}
        rows.append(
            {
                "leaf": leaf.leaf_path,
                "kind": leaf.kind,
                "kept": f"{leaf.samples}/{leaf.requested}",
                "dropped": sum((c.get("drops") or {}).values()),
                "failed": sum((c.get("failures") or {}).values()),
                "unparsed": int(c.get("unparsed") or 0),
                "tokens": int(tokens.get("prompt", 0)) + int(tokens.get("completion", 0)),
                "stages done": ", ".join(f"{k} {v}" for k, v in stages.items()),
                "in flight": ", ".join(
                    f"{k} {v}" for k, v in (inflight.get(leaf.leaf_path) or {}).items() if v
                ),
            }
        )
    return rows


def _warnings(leaves: list[db.RunLeafRow]) -> None:
    """Say so when a stage drops or fails most of a leaf (the empty-dataset surprise)."""
    for leaf in leaves:
        c = leaf.counters
        lost = {**(c.get("drops") or {}), **{f"failed: {k}": v for k, v in (c.get("failures") or {}).items()}}
        total_lost = sum(lost.values())
        if total_lost and total_lost > leaf.samples:
            worst = max(lost, key=lambda k: lost[k])
            st.warning(
                f"{label(leaf.leaf_path)}: {total_lost} dropped or failed against {leaf.samples} kept; "
                f"most at {md_code(worst)} ({lost[worst]}). See the examples below.",
                icon=":material/warning:",
            )


def _body(tx: Taxonomy, store: Store, run_id: int, was_running: bool) -> None:
    job = jobs.registry().get(run_id)
    run = db.get_run(store, run_id)
    if run is None:
        return
    if was_running and (job is None or not job.running):
        st.rerun()  # the job just ended: redraw the page once, without the timer
    leaves = db.run_leaves(store, run_id)
    s = run_summary(store, run_id)
    st.markdown(
        f"**Run #{run_id}** · {md_escape(run.status)} · teacher {md_code(run.teacher_model)} at "
        f"{md_code(run.teacher_url)}"
    )
    done = s["samples"] / s["requested"] if s["requested"] else 0.0
    st.progress(min(done, 1.0), text=f"{s['samples']:,} of {s['requested']:,} samples")
    c = st.columns(6)
    c[0].metric("Samples", f"{s['samples']:,}")
    c[1].metric("Requests", f"{s['requests']:,}", help=f"{s['retries']:,} retries")
    c[2].metric(
        "Failed",
        f"{sum(s['failures'].values()):,}",
        help=", ".join(f"{k}: {v}" for k, v in s["failures"].items()),
    )
    c[3].metric(
        "Dropped", f"{sum(s['drops'].values()):,}", help=", ".join(f"{k}: {v}" for k, v in s["drops"].items())
    )
    c[4].metric("Tokens", f"{s['tokens']['prompt'] + s['tokens']['completion']:,}")
    c[5].metric("ETA", _eta(job, s["requested"] - s["samples"]))
    with st.container():  # one slot: warnings come during a run, the Cancel button below keeps its place
        _warnings(leaves)
    st.dataframe(_leaf_table(leaves, job), hide_index=True, use_container_width=True)
    b = st.columns(3)
    if job is not None and job.running:
        b[0].button("Cancel", key="gen_cancel", icon=":material/stop:", on_click=_cancel, args=(run_id,))
    elif run.status in ("interrupted", "cancelled", "failed") and s["samples"] < s["requested"]:
        b[0].button(
            "Resume", key="gen_resume", icon=":material/replay:", on_click=_resume, args=(tx, store, run_id)
        )
    if s["samples"]:
        b[1].button(
            "Review these samples", key="gen_review", on_click=nav.open_in_review, kwargs={"run_id": run_id}
        )
    if job is not None and job.error:
        error(job.error)
    if st.session_state.get(KEY_RESUME_ERROR):
        error(str(st.session_state[KEY_RESUME_ERROR]))
    st.subheader("Newest samples")
    recent = db.recent_samples(store, run_id, NEWEST)
    if not recent:
        st.caption("None yet: each sample shows here as it arrives.")
    for sample in recent:
        with st.container(border=True):  # one box per sample: where one ends and the next begins
            st.caption(f"{label(sample.leaf_path)} · slot {sample.slot} · #{sample.id}")
            if sample.context:
                with st.expander("context"):
                    show(sample.context[:1500])
            st.caption("question")
            show(sample.question)
            st.caption("answer")
            show(sample.answer)
    lost = db.attempts(store, run_id, limit=10)
    if lost:
        with st.expander(f"What was dropped or failed, and why ({len(lost)} newest)"):
            for a in lost:
                st.caption(
                    f"{label(a.leaf_path)} · slot {a.slot} · {md_code(a.stage)} · {a.outcome}: {md_code(a.reason)}"
                )
                if a.detail:
                    show(a.detail)
                if a.raw:
                    show(a.raw[:1500])


def live_panel(tx: Taxonomy, store: Store, run_id: int) -> None:
    job = jobs.registry().get(run_id)
    running = job is not None and job.running
    panel = st.fragment(run_every=REFRESH_S if running else None)(_body)
    panel(tx, store, run_id, running)
