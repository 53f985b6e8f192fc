"""The Generate page: choose leaves and options, read the prompt, see the estimate, start a run.

The run itself is a background job (labui.ui.jobs); its live progress, cancel and resume are drawn by
labui.ui.generate_live. Every action is a button callback, so a click is never lost to a rerun.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from labui.errors import LabuiError
from labui.generate.local import LOCAL_MODEL
from labui.generate.pipelines import GenOptions, LeafPlan, plan_leaf, render_stage, stages_for
from labui.generate.prompts import estimate_tokens, prompt_version
from labui.generate.runner import plan_run
from labui.generate.teacher import ENV_KEY, ENV_MODEL, ENV_URL, TeacherConfig, check_teacher
from labui.store import samples as db
from labui.store.db import Store
from labui.taxonomy import Taxonomy, select_leaves
from labui.ui import jobs, nav, state
from labui.ui.generate_live import KEY_RUN, live_panel, runs_picker
from labui.ui.text import error, md_code, md_escape, show

KEY_URL, KEY_MODEL, KEY_KEY, KEY_API = "gen_url", "gen_model", "gen_key", "gen_api"
KEY_LEAVES, KEY_BRANCH = "gen_leaves", "gen_branch"
KEY_N, KEY_TEMP, KEY_MAX, KEY_SEED, KEY_CONC, KEY_JUDGE, KEY_PRICE = (
    "gen_n",
    "gen_temp",
    "gen_max_tokens",
    "gen_seed",
    "gen_conc",
    "gen_judge",
    "gen_price",
)
KEY_PREVIEW, KEY_STAGE, KEY_ERROR = "gen_preview_leaf", "gen_preview_stage", "gen_error"
PLACEHOLDERS = {
    "question": "<the question the previous stage wrote>",
    "answer": "<the answer the previous stage wrote>",
    "context": "<the context the previous stage wrote>",
}


def _store(tx: Taxonomy) -> Store:
    return Store.for_taxonomy(tx.root)


def _options() -> GenOptions:
    s = st.session_state
    return GenOptions(
        num_samples=int(s.get(KEY_N, 5)),
        temperature=float(s.get(KEY_TEMP, 0.7)),
        max_tokens=int(s.get(KEY_MAX, 512)),
        seed=int(s.get(KEY_SEED, 0)),
        judge=bool(s.get(KEY_JUDGE, False)),
    )


def _uses_local() -> bool:
    return not str(st.session_state.get(KEY_URL) or "").strip()


def teacher_label() -> str:
    if _uses_local():
        return f"the local teacher {LOCAL_MODEL} (llama.cpp on this machine, started when a run starts)"
    return f"{st.session_state.get(KEY_MODEL) or '?'} at {st.session_state.get(KEY_URL)}"


def teacher_config() -> tuple[TeacherConfig, str | None]:
    """The teacher the page is set to; starts the local teacher when no URL is given."""
    s = st.session_state
    conc = int(s.get(KEY_CONC, 4))
    if _uses_local():
        local = jobs.local_teacher_holder().get()
        config = TeacherConfig(
            urls=(local.url,),
            model=local.model,
            context_tokens=local.context_tokens,
            structured="json_object",
            concurrency=conc,
            timeout=600,
        )
        return config, None
    urls = tuple(u.strip().rstrip("/") for u in str(s[KEY_URL]).split(",") if u.strip())
    config = TeacherConfig(
        urls=urls, model=str(s.get(KEY_MODEL) or ""), api=str(s.get(KEY_API, "chat")), concurrency=conc
    )
    return config, (str(s.get(KEY_KEY) or "") or os.environ.get(ENV_KEY))


# --------------------------------------------------------------------------------------------------
# Callbacks (they run before the script, so a click always counts).


def _add_branch(tx: Taxonomy) -> None:
    branch = st.session_state.get(KEY_BRANCH)
    if branch:
        current = list(st.session_state.get(KEY_LEAVES) or [])
        st.session_state[KEY_LEAVES] = current + [p for p in select_leaves(tx, [branch]) if p not in current]


def _start(tx: Taxonomy) -> None:
    st.session_state.pop(KEY_ERROR, None)
    leaves = list(st.session_state.get(KEY_LEAVES) or [])
    try:
        if not leaves:
            raise LabuiError("Choose at least one leaf.")
        opts = _options()
        config, key = teacher_config()
        check_teacher(config, key)
        store = _store(tx)
        plan = plan_run(store, tx, leaves, opts, config)
        jobs.registry().start(store, plan, key, teacher_label())
        st.session_state[KEY_RUN] = plan.run_id
    except LabuiError as exc:
        st.session_state[KEY_ERROR] = str(exc)


# --------------------------------------------------------------------------------------------------
# Sections.


def _teacher_section() -> None:
    with st.expander("Teacher", icon=":material/school:", expanded=False):
        # Defaults from the environment, set once (a widget given both a value and session state warns).
        st.session_state.setdefault(KEY_URL, os.environ.get(ENV_URL, ""))
        st.session_state.setdefault(KEY_MODEL, os.environ.get(ENV_MODEL, ""))
        c1, c2, c3 = st.columns([3, 2, 1])
        c1.text_input(
            "Endpoint URL",
            key=KEY_URL,
            placeholder="empty: the local teacher",
            help="An OpenAI-compatible base URL (vLLM, llama.cpp, Ollama, OpenAI); a comma-list spreads the load",
        )
        c2.text_input("Model", key=KEY_MODEL)
        c3.selectbox("API", ("chat", "completions"), key=KEY_API)
        st.text_input(
            "API key",
            type="password",
            key=KEY_KEY,
            help=f"Kept in this browser session only, never written anywhere; empty uses ${ENV_KEY}",
        )
    st.caption(f"Teacher: {md_escape(teacher_label())}")


def _leaves_section(tx: Taxonomy) -> list[str]:
    paths = [leaf.path for leaf in tx.leaves]
    incoming = nav.take(nav.KEY_GENERATE_LEAVES)
    if incoming:
        st.session_state[KEY_LEAVES] = [p for p in incoming if p in paths]
    elif KEY_LEAVES in st.session_state:
        st.session_state[KEY_LEAVES] = [p for p in st.session_state[KEY_LEAVES] if p in paths]
    branches = sorted({p.rsplit("/", i)[0] for p in paths for i in range(1, p.count("/") + 1)})
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.selectbox("Branch", branches, key=KEY_BRANCH, index=None, placeholder="a branch: every leaf under it")
    c2.button(
        "Add its leaves", key="gen_add_branch", on_click=_add_branch, args=(tx,), use_container_width=True
    )
    chosen: list[str] = st.multiselect(
        "Leaves",
        paths,
        key=KEY_LEAVES,
        placeholder="type to search the leaves",
        help="samples are generated per leaf",
    )
    return chosen


def _options_section() -> None:
    c = st.columns(4)
    c[0].number_input("Samples per leaf", 1, 1_000_000, 5, key=KEY_N)
    c[1].slider("Temperature", 0.0, 2.0, 0.7, 0.05, key=KEY_TEMP)
    c[2].number_input("Max tokens per reply", 16, 131072, 512, 16, key=KEY_MAX)
    c[3].number_input("Seed", 0, 2**31 - 1, 0, key=KEY_SEED)
    d = st.columns(4)
    d[0].number_input("Concurrency", 1, 1024, 4, key=KEY_CONC, help="requests in flight")
    d[1].toggle("Judges", key=KEY_JUDGE, help="question quality, pair quality (keep ≥ 2 of 3), faithfulness")
    d[2].number_input(
        "Price per million tokens", 0.0, 1000.0, 0.0, 0.1, key=KEY_PRICE, help="for the cost estimate"
    )


def _plans(tx: Taxonomy, chosen: list[str]) -> tuple[list[LeafPlan], list[str]]:
    plans, problems = [], []
    for path in chosen:
        leaf = tx.leaf(path)
        if leaf is None:
            continue
        try:
            plans.append(plan_leaf(leaf))
        except LabuiError as exc:
            problems.append(str(exc))
    return plans, problems


def _prompt_section(plans: list[LeafPlan], opts: GenOptions) -> None:
    with st.expander("The prompt the teacher sees", icon=":material/description:"):
        by_path = {p.path: p for p in plans}
        path = st.selectbox("Leaf", list(by_path), key=KEY_PREVIEW)
        if path is None:
            return
        plan = by_path[path]
        stage = st.segmented_control("Stage", stages_for(plan.kind, opts.judge), key=KEY_STAGE, default=None)
        stage = stage or stages_for(plan.kind, opts.judge)[0]
        values = dict(PLACEHOLDERS)
        if plan.chunks:
            values["chunk"] = plan.chunks[0][0]
        prompt, seeds = render_stage(plan, stage, 0, opts, values)
        st.caption(
            f"Stage {md_code(stage)} of the first sample; seeds shown: {seeds or 'none'}; prompts {md_code(prompt_version())}"
        )
        show(prompt)


def _measured_rate(store: Store) -> float | None:
    """Samples per second of the newest finished run (None before any run was measured)."""
    for run, _, _, samples in reversed(db.list_runs(store)):
        seconds = float(run.counters.get("seconds") or 0)
        if run.status == "finished" and samples and seconds > 0:
            return samples / seconds
    return None


def estimate(plans: list[LeafPlan], opts: GenOptions, price: float, rate: float | None) -> dict[str, Any]:
    """Requests, tokens (upper bound: every reply at max tokens), time at the measured rate, cost."""
    requests = prompt_tokens = 0
    for plan in plans:
        stages = stages_for(plan.kind, opts.judge)
        requests += len(stages) * opts.num_samples
        for stage in stages:
            prompt, _ = render_stage(
                plan, stage, 0, opts, dict(PLACEHOLDERS, chunk=plan.chunks[0][0] if plan.chunks else "")
            )
            prompt_tokens += estimate_tokens(prompt) * opts.num_samples
    completion = requests * opts.max_tokens
    samples = len(plans) * opts.num_samples
    return {
        "requests": requests,
        "samples": samples,
        "tokens": prompt_tokens + completion,
        "seconds": samples / rate if rate else None,
        "cost": (prompt_tokens + completion) / 1e6 * price if price else None,
    }


def _estimate_section(store: Store, plans: list[LeafPlan], opts: GenOptions) -> None:
    est = estimate(plans, opts, float(st.session_state.get(KEY_PRICE) or 0), _measured_rate(store))
    c = st.columns(4)
    c[0].metric("Requests", f"{est['requests']:,}")
    c[1].metric("Tokens (at most)", f"{est['tokens']:,}")
    c[2].metric("Time", _duration(est["seconds"]) if est["seconds"] is not None else "not measured yet")
    c[3].metric("Cost", f"{est['cost']:.2f}" if est["cost"] is not None else "give a price")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def generate_page() -> None:
    st.title("Generate")
    tx = state.current_taxonomy()
    if tx is None:
        return
    store = _store(tx)
    _teacher_section()
    chosen = _leaves_section(tx)
    _options_section()
    try:
        opts = _options()
    except LabuiError as exc:
        error(str(exc))
        return
    plans, problems = _plans(tx, chosen)
    for problem in problems:
        error(problem)
    if plans:
        _prompt_section(plans, opts)
        _estimate_section(store, plans, opts)
    st.button(
        "Start generating",
        key="gen_start",
        type="primary",
        icon=":material/play_arrow:",
        on_click=_start,
        args=(tx,),
        disabled=not plans or bool(problems),
    )
    if not plans and not problems:
        st.caption("Choose a branch or some leaves above to start.")
    if st.session_state.get(KEY_ERROR):
        error(str(st.session_state[KEY_ERROR]))
    st.divider()
    run_id = runs_picker(store)
    if run_id is not None:
        live_panel(tx, store, run_id)
