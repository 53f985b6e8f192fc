"""Background jobs of the app: a generation run on a thread of its own, held by a process-wide registry.

The registry is a `st.cache_resource`, so a job outlives the script run that started it, a page change
and a browser refresh (a new session finds it by run id). The thread writes to the workspace store;
pages read progress from the store and the job's `Live` snapshot. The local teacher, when the app
starts one, is held the same way: one per server process, stopped when the process exits.
"""

from __future__ import annotations

import atexit
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from labui.errors import LabuiError
from labui.generate.local import LocalTeacher, start_local_teacher
from labui.generate.runner import Live, Plan, execute
from labui.generate.teacher import TeacherClient
from labui.store.db import Store


@dataclass
class Job:
    run_id: int
    store: Store
    teacher_label: str
    cancel: threading.Event = field(default_factory=threading.Event)
    live: Live = field(default_factory=Live)
    thread: threading.Thread | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class JobRegistry:
    """Every generation job this server process started, by run id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}

    def start(self, store: Store, plan: Plan, api_key: str | None, teacher_label: str) -> Job:
        with self._lock:
            old = self._jobs.get(plan.run_id)
            if old is not None and old.running:
                return old
            job = Job(plan.run_id, store, teacher_label)

            def progress(live: Live) -> None:
                job.live = live

            def work() -> None:
                try:
                    job.summary = execute(
                        store,
                        plan,
                        TeacherClient(plan.teacher, api_key),
                        cancel=job.cancel,
                        progress=progress,
                    )
                except LabuiError as exc:
                    job.error = str(exc)
                except Exception as exc:  # a bug must still end the job visibly, not silently
                    job.error = f"{type(exc).__name__}: {exc}"
                    traceback.print_exc()

            job.thread = threading.Thread(target=work, name=f"labui-run-{plan.run_id}", daemon=True)
            self._jobs[plan.run_id] = job
            job.thread.start()
            return job

    def get(self, run_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(run_id)

    def running(self, store_path: Any = None) -> list[Job]:
        with self._lock:
            jobs = list(self._jobs.values())
        return [j for j in jobs if j.running and (store_path is None or j.store.path == store_path)]

    def wait(self, run_id: int, timeout: float) -> bool:
        """Wait for a job's thread to end (tests, shutdown); True when it ended."""
        job = self.get(run_id)
        if job is None or job.thread is None:
            return True
        job.thread.join(timeout)
        return not job.thread.is_alive()


@st.cache_resource
def registry() -> JobRegistry:
    return JobRegistry()


class _LocalHolder:
    def __init__(self, start: Callable[[], LocalTeacher]) -> None:
        self._start = start
        self._lock = threading.Lock()
        self.teacher: LocalTeacher | None = None

    def get(self) -> LocalTeacher:
        with self._lock:
            if self.teacher is None or not self.teacher.alive():
                self.teacher = self._start()
                atexit.register(self.teacher.stop)
            return self.teacher


@st.cache_resource
def local_teacher_holder() -> _LocalHolder:
    """The app's local teacher (started on first use, kept for the life of the server process)."""
    return _LocalHolder(lambda: start_local_teacher())
