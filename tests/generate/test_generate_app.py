"""The Generate page through Streamlit's AppTest, against the scripted teacher: choose, read, estimate,
start, watch, and generated text shown as text."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from labui.store import samples as db
from labui.store.db import Store
from labui.ui import jobs
from labui.ui.nav import KEY_GENERATE_LEAVES, KEY_SHELL_STARTED, KEY_TAXONOMY_PATH
from tests.generate.conftest import MODEL
from tests.generate.scripted import ScriptedServer

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "generate.py")
HAIKU = "compositional_skills/writing/poetry/haiku"
SOLAR = "knowledge/science/astronomy/solar_system"
HOSTILE = "**bold** ![x](http://evil.example/x.png) <b>tag</b>"


def _app(root: Path, **state: Any) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[KEY_SHELL_STARTED] = True
    at.session_state[KEY_TAXONOMY_PATH] = str(root)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, key: str) -> Any:
    return next(b for b in at.button if b.key == key)


def test_generate_page_flow(
    sample_taxonomy: Path, workspace: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.01, answer=lambda field, n: f"{HOSTILE} {field} {n}")
    at = _app(
        sample_taxonomy, **{KEY_GENERATE_LEAVES: [HAIKU, SOLAR], "gen_url": server.url, "gen_model": MODEL}
    )
    assert at.multiselect(key="gen_leaves").value == [HAIKU, SOLAR]  # arrived from another page
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Requests"] == "15"  # 5 freeform x 2 stages + 5 knowledge x 1
    assert metrics["Time"] == "not measured yet"
    prompts = [t.value for t in at.text]
    assert any("haiku" in p.lower() and "Reply with a JSON object only" in p for p in prompts)
    assert server.requests == []  # nothing sent before Start

    _button(at, "gen_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run_id = at.session_state["gen_run"]
    assert jobs.registry().wait(run_id, 60)
    at.run()
    store = Store(workspace / "workspace.sqlite")
    assert len(list(db.iter_samples(store, run_ids=[run_id]))) == 10
    texts = [t.value for t in at.text]
    assert any(t.startswith(HOSTILE) for t in texts)  # generated text as text blocks
    assert not any("evil.example" in m.value and "\\" not in m.value for m in at.markdown)
    assert any("10 of 10 samples" in (p.proto.text or "") for p in at.get("progress"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Time"] != "not measured yet"  # the finished run measured the rate


def test_cancel_and_resume_from_the_page(
    sample_taxonomy: Path, workspace: Path, scripted: Callable[..., ScriptedServer]
) -> None:
    server = scripted(latency=0.05)
    at = _app(sample_taxonomy, **{KEY_GENERATE_LEAVES: [SOLAR], "gen_url": server.url, "gen_model": MODEL})
    at.number_input(key="gen_n").set_value(200)
    at.number_input(key="gen_conc").set_value(2).run()
    _button(at, "gen_start").click().run()
    run_id = at.session_state["gen_run"]
    store = Store(workspace / "workspace.sqlite")
    deadline = time.monotonic() + 30
    while sum(1 for _ in db.iter_samples(store, run_ids=[run_id])) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    at.run()
    _button(at, "gen_cancel").click().run()
    assert jobs.registry().wait(run_id, 30)
    at.run()
    assert db.get_run(store, run_id).status == "cancelled"  # type: ignore[union-attr]
    _button(at, "gen_resume").click().run()
    assert not at.exception
    assert jobs.registry().wait(run_id, 60)
    assert db.get_run(store, run_id).status == "finished"  # type: ignore[union-attr]
    assert sum(1 for _ in db.iter_samples(store, run_ids=[run_id])) == 200


def test_unreachable_teacher_is_said_on_the_page(sample_taxonomy: Path, workspace: Path) -> None:
    at = _app(
        sample_taxonomy,
        **{KEY_GENERATE_LEAVES: [HAIKU], "gen_url": "http://127.0.0.1:9/v1", "gen_model": "m"},
    )
    _button(at, "gen_start").click().run()
    assert any("cannot reach the teacher" in e.value for e in at.error)
    assert db.list_runs(Store(workspace / "workspace.sqlite")) == []
