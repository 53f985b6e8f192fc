"""Generation: throughput against the bound C/L, delivery under faults, labui's own overhead per sample
from 1k to 100k samples, and the local teacher's speed and parse rate.

    python bench_generate.py            # the sizes reported in README
    python bench_generate.py --quick    # small sizes, while developing

Throughput runs a knowledge leaf (one request per sample) against the scripted OpenAI-compatible
server with a fixed latency L and concurrency C: the bound is C / L samples per second, and the
ratio printed is measured / bound. Overhead replaces the teacher by an in-process one that answers at
once, so what is left is labui (store, parse, progress, scheduling); its baseline is the bare cost of
committing the same rows with the store's `insert_sample`, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from _common import ROOT

sys.path.insert(0, str(ROOT))

from labui.generate.pipelines import GenOptions
from labui.generate.runner import execute, plan_run
from labui.generate.teacher import Reply, TeacherClient, TeacherConfig
from labui.store import samples as db
from labui.store.db import Store
from labui.taxonomy import load_taxonomy

TAXONOMY = ROOT / "taxonomy"
KNOWLEDGE = "knowledge/science/astronomy/solar_system"
FREEFORM = "compositional_skills/writing/poetry/haiku"


def _store() -> Store:
    return Store(Path(tempfile.mkdtemp(prefix="labui-bench-")) / "workspace.sqlite")


class ServerProcess:
    """The scripted server in a process of its own, so it does not share the client's interpreter."""

    def __init__(self, **script: Any) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.generate.scripted", json.dumps(script)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}/v1"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url.removesuffix("/v1") + "/_stats") as r:
            return dict(json.load(r))

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def throughput(c: int, latency: float, n: int, rates: dict[str, float] | None = None) -> dict[str, Any]:
    tx = load_taxonomy(TAXONOMY)
    with ServerProcess(latency=latency, rates=rates or {}, hang=3.0, seed=1) as server:
        config = TeacherConfig(
            urls=(server.url,),
            model="scripted-teacher",
            concurrency=c,
            timeout=max(1.0, 3 * latency),
            backoff_base=0.05,
        )
        store = _store()
        plan = plan_run(store, tx, [KNOWLEDGE], GenOptions(num_samples=n), config)
        import openai  # noqa: F401 - imported before the clock starts: a one-off, not throughput

        t = time.perf_counter()
        summary = execute(store, plan, TeacherClient(config))
        seconds = time.perf_counter() - t
        faults = server.stats()["faults"]
    rate = summary["samples"] / seconds
    # Steady state: the first wave of C samples lands after one L; from then on C land every L.
    stamps = sorted(r.created_at for r in db.iter_samples(store, run_ids=[plan.run_id]))
    steady = (
        (len(stamps) - c) / (stamps[-1] - stamps[0]) if len(stamps) > c and stamps[-1] > stamps[0] else rate
    )
    bound = c / latency
    return {
        "summary": summary,
        "rate": rate,
        "bound": bound,
        "ratio": rate / bound,
        "steady": steady / bound,
        "faults": faults,
    }


def bare_client(c: int, latency: float, n: int) -> float:
    """Requests per second of the teacher client alone (no pipeline, no store) on the same server:
    the baseline that shows what the machine and the HTTP stack allow."""
    from labui.generate.parse import schema_for

    with ServerProcess(latency=latency) as server:
        config = TeacherConfig(
            urls=(server.url,), model="scripted-teacher", concurrency=c, timeout=max(1.0, 3 * latency)
        )

        async def go() -> float:
            client = TeacherClient(config)
            await client.complete("warm up", schema=schema_for(["question"]), max_tokens=8, temperature=0)
            t = time.perf_counter()
            schema = schema_for(["question", "answer"])
            await asyncio.gather(
                *(
                    client.complete("x" * 2000, schema=schema, max_tokens=64, temperature=0.7)
                    for _ in range(n)
                )
            )
            seconds = time.perf_counter() - t
            await client.aclose()
            return n / seconds

        return asyncio.run(go())


class InstantTeacher:
    """A teacher that answers at once in-process: what remains of the time is labui's own work."""

    mode = "json_schema"

    def __init__(self) -> None:
        self.config = TeacherConfig(urls=("http://in-process/v1",), model="instant", concurrency=8)
        self.n = 0

    async def complete(
        self,
        prompt: str,
        *,
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float,
        seed: int | None = None,
    ) -> Reply:
        self.n += 1
        fields = {k: f"{k} {self.n}" for k in schema["properties"]}
        return Reply(json.dumps(fields), "stop", 100, 20, self.config.urls[0], 0)


def overhead(n: int) -> tuple[float, float]:
    """(labui ms per sample, bare insert_sample ms per sample) for a run of n samples."""
    tx = load_taxonomy(TAXONOMY)
    store = _store()
    teacher = InstantTeacher()
    plan = plan_run(store, tx, [KNOWLEDGE], GenOptions(num_samples=n), teacher.config)
    t = time.perf_counter()
    summary = execute(store, plan, teacher)
    labui_ms = (time.perf_counter() - t) * 1000 / n
    assert summary["samples"] == n, summary
    rows = list(db.iter_samples(store, run_ids=[plan.run_id]))
    bare = _store()
    run = db.create_run(
        bare,
        config={},
        teacher_model="m",
        teacher_url="u",
        prompt_version="p",
        leaves=[(KNOWLEDGE, "knowledge", n, "x")],
    )
    t = time.perf_counter()
    with db.RunWriter(bare, run)._db as conn:  # one transaction per row, as the runner commits
        for row in rows:
            conn.execute("BEGIN IMMEDIATE")
            db.insert_sample(
                conn, row.__class__(**{**{f: getattr(row, f) for f in row.__slots__}, "run_id": run})
            )
            conn.execute("COMMIT")
    bare_ms = (time.perf_counter() - t) * 1000 / n
    return labui_ms, bare_ms


def local_teacher(samples: int) -> None:
    from labui.generate.local import server_available, start_local_teacher

    if not server_available():
        print("local teacher: llama-cpp-python[server] not installed (make install); skipped")
        return
    teacher = start_local_teacher(threads=2)
    try:
        config = TeacherConfig(
            urls=(teacher.url,),
            model=teacher.model,
            context_tokens=teacher.context_tokens,
            concurrency=1,
            timeout=600,
        )
        store = _store()
        plan = plan_run(
            store,
            load_taxonomy(TAXONOMY),
            [FREEFORM, KNOWLEDGE],
            GenOptions(num_samples=samples, max_tokens=200),
            config,
        )
        t = time.perf_counter()
        s = execute(store, plan, TeacherClient(config))
        seconds = time.perf_counter() - t
        unparsed = sum(int(r.counters.get("unparsed", 0)) for r in db.run_leaves(store, plan.run_id))
        replies = s["requests"] - s["retries"]
        print(
            f"local teacher (SmolLM2-135M-Instruct, llama.cpp, 2 threads, json_object + schema): "
            f"{s['tokens']['completion'] / seconds:.1f} completion tokens/s, "
            f"{s['samples'] / seconds * 60:.1f} samples/min ({s['samples']}/{s['requested']}), "
            f"{(replies - unparsed) / max(replies, 1):.0%} of {replies} replies parse, {seconds:.0f} s"
        )
    finally:
        teacher.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-local", action="store_true")
    args = ap.parse_args()
    for c, latency, n in (
        (8, 1.0, 40 if args.quick else 80),
        (64, 1.0, 320 if args.quick else 640),
        (8, 0.2, 80 if args.quick else 200),
        (64, 0.2, 320 if args.quick else 1280),
    ):
        r = throughput(c, latency, n)
        bare = bare_client(c, latency, n)
        print(
            f"bare teacher client C={c} L={latency}s: {bare:.1f} requests/s, {bare / (c / latency):.2f} of C/L; "
            f"labui / bare client = {r['rate'] / bare:.2f}"
        )
        print(
            f"throughput C={c} L={latency}s: {r['rate']:.1f} samples/s, bound C/L {r['bound']:.0f}/s, "
            f"ratio {r['ratio']:.2f} (steady state {r['steady']:.2f}; goal >= 0.9); {r['summary']['samples']}/{r['summary']['requested']} delivered, "
            f"{r['summary']['retries']} retries"
        )
    rates = {"429": 0.05, "500": 0.02, "timeout": 0.01}
    r = throughput(16, 0.05, 200 if args.quick else 1000, rates)
    s = r["summary"]
    print(
        f"faults 5% 429 + 2% 500 + 1% timeouts, C=16 L=0.05s: {s['samples']}/{s['requested']} delivered, "
        f"{s['retries']} retries, failures {s['failures'] or 'none'}, faults sent {r['faults']}, ratio {r['ratio']:.2f}"
    )
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    first = None
    for n in sizes:
        labui_ms, bare_ms = overhead(n)
        first = first or labui_ms
        print(
            f"overhead at {n:>7,} samples: {labui_ms:.3f} ms/sample (bare commit {bare_ms:.3f} ms, "
            f"ratio {labui_ms / bare_ms:.1f}x); vs 1k: {labui_ms / first:.2f}x"
        )
    if not args.no_local:
        local_teacher(2 if args.quick else 5)
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    sys.exit(main())
