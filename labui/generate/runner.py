"""Runs: plan a generation run, execute it (bounded concurrency, every sample committed as it arrives),
cancel it, resume it after a crash, and summarise it in the shapes the CLI and the page share.

Each leaf asks for N samples, numbered slots 0..N-1; a sample is stored with its slot and the store
refuses a second sample in the same slot, so a resume fills exactly the slots still empty and nothing
is generated twice. A resume refuses to continue when a leaf's qna.yaml or the prompts changed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from labui.errors import TeacherError, UsageError, WorkspaceError
from labui.generate.pipelines import (
    Dropped,
    GenOptions,
    LeafPlan,
    StageOutcome,
    Teacher,
    Unparsed,
    plan_leaf,
    preflight,
    run_try,
)
from labui.generate.prompts import prompt_version
from labui.generate.teacher import RequestFailed, TeacherConfig
from labui.store import samples as db
from labui.store.db import Store
from labui.taxonomy import Taxonomy, select_leaves

HEARTBEAT_S = 2.0
# Reasons that say the teacher itself is gone or refuses us: after enough of them in a row with no
# success in between, the run stops as failed instead of burning through every slot.
FATAL_REASONS = ("connection", "http_401", "http_403", "http_404")
RAW_KEEP = 4000  # characters of an unparsed reply kept for the user to read


def _new_counters() -> dict[str, Any]:
    return {
        "requests": 0,
        "retries": 0,
        "tokens": {"prompt": 0, "completion": 0},
        "failures": {},
        "drops": {},
        "unparsed": 0,
        "stages": {},
    }


@dataclass
class Plan:
    """A run ready to execute: its id, options, teacher config and one plan per leaf with missing slots."""

    run_id: int
    options: GenOptions
    teacher: TeacherConfig
    leaves: list[LeafPlan]
    requested: dict[str, int]
    filled: dict[str, set[int]] = field(default_factory=dict)
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0


def plan_run(
    store: Store, taxonomy: Taxonomy, selectors: Sequence[str], opts: GenOptions, config: TeacherConfig
) -> Plan:
    """Check everything that can be checked without the teacher, then store a new run."""
    paths = select_leaves(taxonomy, selectors)
    plans = []
    for path in paths:
        leaf = taxonomy.leaf(path)
        assert leaf is not None
        plans.append(plan_leaf(leaf, opts.documents))
    preflight(plans, opts, config)
    run_config = {"options": asdict(opts), "teacher": config.to_json()}
    run_id = db.create_run(
        store,
        config=run_config,
        teacher_model=config.model,
        teacher_url=",".join(config.urls),
        prompt_version=prompt_version(),
        leaves=[(p.path, p.kind, opts.num_samples, p.sha256) for p in plans],
    )
    requested = {p.path: opts.num_samples for p in plans}
    return Plan(run_id, opts, config, plans, requested, counters={p.path: _new_counters() for p in plans})


def plan_resume(store: Store, taxonomy: Taxonomy, run_id: int) -> Plan:
    """The plan that continues `run_id`, or UsageError saying why it cannot continue."""
    run = db.get_run(store, run_id)
    if run is None:
        raise UsageError(f"no run {run_id} in this workspace")
    if run.status == "running":
        raise UsageError(f"run {run_id} is still running (process {run.owner_pid}); cancel it first")
    if run.prompt_version != prompt_version():
        raise UsageError(
            f"run {run_id} cannot resume: the prompts changed since it started ({run.prompt_version} -> "
            f"{prompt_version()}); start a new run"
        )
    cfg: dict[str, Any] = dict(run.config)
    opts = GenOptions(**cfg["options"])
    teacher_json = dict(cfg["teacher"])
    teacher_json["urls"] = tuple(teacher_json["urls"])
    config = TeacherConfig(**teacher_json)
    leaves = db.run_leaves(store, run_id)
    plans, changed = [], []
    for row in leaves:
        leaf = taxonomy.leaf(row.leaf_path)
        if leaf is None or leaf.sha256 != row.seeds_sha256:
            changed.append(row.leaf_path)
            continue
        plans.append(plan_leaf(leaf, opts.documents))
    if changed:
        raise UsageError(
            f"run {run_id} cannot resume: the seeds of {', '.join(changed)} changed (or the leaf is gone) since "
            "it started; start a new run"
        )
    counters = {row.leaf_path: {**_new_counters(), **row.counters} for row in leaves}
    return Plan(
        run_id,
        opts,
        config,
        plans,
        {row.leaf_path: row.requested for row in leaves},
        filled=db.filled_slots(store, run_id),
        counters=counters,
        seconds=float(run.counters.get("seconds", 0.0)),
    )


# --------------------------------------------------------------------------------------------------
# Executing.


@dataclass
class Live:
    """What a running job is doing right now (the page reads it; the store has the rest)."""

    total: int = 0
    done: int = 0  # slots finished this session (sample, dropped or failed)
    started: float = field(default_factory=time.monotonic)
    inflight: dict[str, dict[str, int]] = field(default_factory=dict)  # leaf -> stage -> requests in flight
    message: str = ""


ProgressFn = Callable[[Live], None]


class Executor:
    """Executes one plan with a teacher; `cancel` (a threading.Event) stops it cleanly from any thread."""

    def __init__(
        self,
        store: Store,
        plan: Plan,
        teacher: Teacher,
        *,
        cancel: threading.Event | None = None,
        progress: ProgressFn | None = None,
        pid: int | None = None,
    ) -> None:
        self.store = store
        self.plan = plan
        self.teacher = teacher
        self.cancel = cancel or threading.Event()
        self.progress = progress
        self.pid = pid or os.getpid()
        self.live = Live()
        self._fatal_streak = 0
        self._failed: str | None = None
        self._budget_hit = False
        self._writer: db.RunWriter | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"labui-run-{plan.run_id}-writer")

    def _slots(self) -> Iterator[tuple[LeafPlan, int]]:
        # Round-robin over leaves, so every leaf moves and the ETA is honest from the start.
        def empty(plan: LeafPlan) -> Iterator[tuple[LeafPlan, int]]:
            filled = self.plan.filled.get(plan.path, set())
            return ((plan, s) for s in range(self.plan.requested[plan.path]) if s not in filled)

        for group in itertools.zip_longest(*[empty(p) for p in self.plan.leaves]):
            yield from (item for item in group if item is not None)

    def _remaining(self) -> int:
        return sum(
            self.plan.requested[p.path] - len(self.plan.filled.get(p.path, set())) for p in self.plan.leaves
        )

    def _tokens(self) -> int:
        return sum(c["tokens"]["prompt"] + c["tokens"]["completion"] for c in self.plan.counters.values())

    def _on_stage(self, leaf: str, stage: str, delta: int) -> None:
        stages = self.live.inflight.setdefault(leaf, {})
        stages[stage] = stages.get(stage, 0) + delta

    def _account(self, leaf: str, out: StageOutcome) -> dict[str, Any]:
        c = self.plan.counters[leaf]
        c["requests"] += out.requests
        c["retries"] += out.retries
        c["tokens"]["prompt"] += out.prompt_tokens
        c["tokens"]["completion"] += out.completion_tokens
        for stage in out.stages:
            if stage != "mode":
                c["stages"][stage] = c["stages"].get(stage, 0) + 1
        return c

    async def _slot(self, plan: LeafPlan, slot: int) -> None:
        assert self._writer is not None
        opts = self.plan.options
        counters = self.plan.counters[plan.path]
        for attempt in range(opts.max_tries):
            try:
                out = await run_try(plan, slot, attempt, self.teacher, opts, self._on_stage)
            except Dropped as exc:
                c = self._account(plan.path, exc.outcome)
                unparsed = isinstance(exc, Unparsed)
                if unparsed:
                    c["unparsed"] += 1
                if not unparsed:  # every drop counts: a stage that drops most of a leaf must show
                    c["drops"][exc.stage] = c["drops"].get(exc.stage, 0) + 1
                elif attempt == opts.max_tries - 1:  # the slot gives up: a failure, by reason
                    c["failures"][exc.reason] = c["failures"].get(exc.reason, 0) + 1
                outcome = "unparsed" if unparsed else "dropped"
                await self._write(
                    self._writer.add_attempt,
                    plan.path,
                    slot,
                    exc.stage,
                    outcome,
                    exc.reason,
                    exc.raw[:RAW_KEEP],
                    exc.detail,
                    _snapshot(c),
                )
                self._fatal_streak = 0
                continue
            except RequestFailed as exc:
                counters["requests"] += exc.retries + 1
                counters["retries"] += exc.retries
                counters["failures"][exc.reason] = counters["failures"].get(exc.reason, 0) + 1
                await self._write(
                    self._writer.add_attempt,
                    plan.path,
                    slot,
                    "request",
                    "failed",
                    exc.reason,
                    exc.raw[:RAW_KEEP] or None,
                    exc.detail,
                    _snapshot(counters),
                )
                if exc.reason in FATAL_REASONS:
                    self._fatal_streak += 1
                    if self._fatal_streak >= max(3, self.teacher.config.concurrency):
                        self._failed = f"the teacher stopped answering ({exc.reason}: {exc.detail})"
                return
            self._fatal_streak = 0
            c = self._account(plan.path, out)
            f = out.fields
            sample = db.SampleRow(
                id=0,
                run_id=self.plan.run_id,
                leaf_path=plan.path,
                kind=plan.kind,
                slot=slot,
                question=f.get("question", ""),
                answer=f.get("answer", ""),
                context=f.get("context") or f.get("chunk") if plan.kind != "freeform_skill" else None,
                seed_ids=tuple(out.seed_ids),
                teacher_model=self.teacher.config.model,
                teacher_url=out.url,
                prompt_version=prompt_version(),
                stages={**out.stages, "tries": attempt + 1},
                raw=_join_raw(out.raw),
                finish_reason=out.finish_reason,
                prompt_tokens=out.prompt_tokens,
                completion_tokens=out.completion_tokens,
                created_at=time.time(),
            )
            await self._write(self._writer.add_sample, sample, _snapshot(c))
            self.plan.filled.setdefault(plan.path, set()).add(slot)
            return

    async def _worker(self, slots: Iterator[tuple[LeafPlan, int]]) -> None:
        budget = self.plan.options.token_budget
        for plan, slot in slots:
            if self.cancel.is_set() or self._failed:
                return
            if budget is not None and self._tokens() >= budget:
                self._budget_hit = True
                return
            await self._slot(plan, slot)
            self.live.done += 1
            if self.progress:
                self.progress(self.live)

    async def _write(self, fn: Callable[..., object], *args: Any) -> None:
        # Commits run on the writer thread: a slow commit (a WAL checkpoint, a busy disk) holds up
        # only the worker that waits for it, not every request in flight on the event loop.
        await asyncio.get_running_loop().run_in_executor(self._io, fn, *args)

    async def _watch(self, tasks: list[asyncio.Task[None]], t0: float) -> None:
        assert self._writer is not None
        last_beat = 0.0
        while True:
            await asyncio.sleep(0.05)
            if self.cancel.is_set() or self._failed:
                for t in tasks:
                    t.cancel()
                return
            if time.monotonic() - last_beat >= HEARTBEAT_S:
                last_beat = time.monotonic()
                seconds = round(self.plan.seconds + time.monotonic() - t0, 3)
                await self._write(self._writer.heartbeat, {"seconds": seconds})

    async def execute(self) -> dict[str, Any]:
        """Run every empty slot; returns the run summary. Marks the run finished, cancelled or failed."""
        db.claim_run(self.store, self.plan.run_id, self.pid)
        self._writer = db.RunWriter(self.store, self.plan.run_id)
        t0 = time.monotonic()
        self.live = Live(total=self._remaining())
        if self.progress:
            self.progress(self.live)  # the watcher gets the live snapshot before the first sample
        slots = self._slots()
        status = "finished"
        error: BaseException | None = None
        try:
            workers = [
                asyncio.ensure_future(self._worker(slots)) for _ in range(self.teacher.config.concurrency)
            ]
            watcher = asyncio.ensure_future(self._watch(workers, t0))
            results = await asyncio.gather(*workers, return_exceptions=True)
            watcher.cancel()
            for r in results:
                if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError):
                    raise r
        except (asyncio.CancelledError, KeyboardInterrupt):
            self.cancel.set()
        except WorkspaceError as exc:
            status, error = "failed", exc
        if status != "failed":
            if self._failed:
                status = "failed"
            elif self.cancel.is_set() or self._budget_hit:
                status = "cancelled"
        seconds = round(self.plan.seconds + time.monotonic() - t0, 3)
        self._io.shutdown(wait=True)  # a commit already handed over finishes: finished work is kept
        self._writer.close()
        try:
            db.set_run_status(self.store, self.plan.run_id, status, {"seconds": seconds})
        except Exception as exc:  # the disk may still be full: the samples are in already
            error = error or exc
        self.live.message = self._failed or ("token budget reached" if self._budget_hit else "")
        if isinstance(error, WorkspaceError):
            raise error
        if self._failed:
            raise TeacherError(f"run {self.plan.run_id} failed: {self._failed}; resume it with --resume")
        return run_summary(self.store, self.plan.run_id)


def _snapshot(counters: dict[str, Any]) -> dict[str, Any]:
    """A copy the writer thread can serialise while the event loop keeps counting."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in counters.items()}


def _join_raw(raw: dict[str, str]) -> str:
    return "\n".join(f"[{stage}]\n{text}" for stage, text in raw.items())


def execute(
    store: Store,
    plan: Plan,
    teacher: Teacher,
    *,
    cancel: threading.Event | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Run `plan` to the end on a new event loop (a CLI process or a job thread)."""

    async def main() -> dict[str, Any]:
        try:
            return await Executor(store, plan, teacher, cancel=cancel, progress=progress).execute()
        finally:
            close = getattr(teacher, "aclose", None)
            if close is not None:
                await close()

    try:
        return asyncio.run(main())
    finally:
        # The cheap review gates over the new samples; they never fail the run (logged instead).
        from labui.review.arrival import gate_arrivals_quietly

        gate_arrivals_quietly(store)


# --------------------------------------------------------------------------------------------------
# Summaries (the JSON shapes of the CLI; tests pin them).


def _add(into: dict[str, int], more: object) -> None:
    if isinstance(more, dict):
        for k, v in more.items():
            into[k] = into.get(k, 0) + int(v)


def run_summary(store: Store, run_id: int, *, per_leaf: bool = False) -> dict[str, Any]:
    run = db.get_run(store, run_id)
    if run is None:
        raise UsageError(f"no run {run_id} in this workspace")
    leaves = db.run_leaves(store, run_id)
    failures: dict[str, int] = {}
    drops: dict[str, int] = {}
    requests = retries = prompt = completion = 0
    for row in leaves:
        c = row.counters
        requests += int(c.get("requests", 0))
        retries += int(c.get("retries", 0))
        tokens = c.get("tokens") or {}
        prompt += int(tokens.get("prompt", 0))
        completion += int(tokens.get("completion", 0))
        _add(failures, c.get("failures"))
        _add(drops, c.get("drops"))
    out: dict[str, Any] = {
        "run": run.id,
        "status": run.status,
        "requested": sum(r.requested for r in leaves),
        "samples": sum(r.samples for r in leaves),
        "requests": requests,
        "retries": retries,
        "failures": failures,
        "drops": drops,
        "tokens": {"prompt": prompt, "completion": completion},
        "seconds": float(run.counters.get("seconds", 0.0)),
    }
    if per_leaf:
        out["per_leaf"] = {
            r.leaf_path: {
                "requested": r.requested,
                "samples": r.samples,
                "drops": dict(r.counters.get("drops") or {}),
                "failures": dict(r.counters.get("failures") or {}),
            }
            for r in leaves
        }
    return out
