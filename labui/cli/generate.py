"""The generation commands of the `labui` CLI: `generate`, `runs`, `samples`, `teacher serve`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import replace
from typing import Any, TextIO

from labui.cli.common import EXIT_CANCELLED, EXIT_OK, EXIT_PROBLEMS, Subparsers, load_cached
from labui.errors import TeacherError, UsageError


def _store_and_taxonomy(root: str) -> tuple[Any, Any]:
    from labui.store.db import Store

    taxonomy = load_cached(root)
    return Store.for_taxonomy(taxonomy.root), taxonomy


def _teacher_options(args: argparse.Namespace) -> dict[str, Any]:
    opts: dict[str, Any] = {"api": args.api, "concurrency": args.concurrency, "timeout": args.timeout}
    if args.context is not None:
        opts["context_tokens"] = args.context
    if args.structured is not None:
        opts["structured"] = args.structured
    if args.template is not None:
        opts["template"] = args.template
    return opts


def _print_summary(summary: dict[str, Any], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(summary) + "\n")
        return
    failures = ", ".join(f"{k} {v}" for k, v in summary["failures"].items()) or "none"
    drops = ", ".join(f"{k} {v}" for k, v in summary["drops"].items()) or "none"
    out.write(
        f"run {summary['run']} {summary['status']}: {summary['samples']}/{summary['requested']} samples, "
        f"{summary['requests']} requests ({summary['retries']} retries), failures: {failures}, drops: {drops}, "
        f"tokens {summary['tokens']['prompt']} + {summary['tokens']['completion']}, {summary['seconds']:.1f} s\n"
    )


def _cmd_generate(args: argparse.Namespace, out: TextIO) -> int:
    from labui.generate.pipelines import GenOptions
    from labui.generate.runner import execute, plan_resume, plan_run, run_summary
    from labui.generate.teacher import ENV_KEY, TeacherClient, check_teacher, config_from

    store, taxonomy = _store_and_taxonomy(args.taxonomy)
    if args.resume is not None:
        plan = plan_resume(store, taxonomy, args.resume)
        key = os.environ.get(ENV_KEY)
        if args.teacher_url:  # the fleet may have moved; the run's options stay
            plan.teacher = replace(
                plan.teacher, urls=config_from(args.teacher_url, plan.teacher.model)[0].urls
            )
        check_teacher(plan.teacher, key)
    else:
        if not args.leaf:
            raise UsageError("give at least one --leaf PATH (a leaf, or a branch for every leaf under it)")
        if args.num_samples is None:
            raise UsageError("give --num-samples N (samples per leaf)")
        config, key = config_from(args.teacher_url, args.model, **_teacher_options(args))
        opts = GenOptions(
            num_samples=args.num_samples,
            temperature=args.temperature,
            max_tokens=args.max_tokens,
            seed=args.seed,
            judge=args.judge,
            documents=args.documents,
            token_budget=args.token_budget,
        )
        from labui.generate.pipelines import plan_leaf, preflight
        from labui.taxonomy import select_leaves

        # Everything that can be refused without the teacher is refused before a run exists.
        paths = select_leaves(taxonomy, args.leaf)
        preflight([plan_leaf(taxonomy.leaf(p), opts.documents) for p in paths], opts, config)
        check_teacher(config, key)
        plan = plan_run(store, taxonomy, args.leaf, opts, config)

    cancel = threading.Event()
    interrupted = [False]

    def on_sigint(_signum: int, _frame: object) -> None:
        if interrupted[0]:
            raise KeyboardInterrupt
        interrupted[0] = True
        cancel.set()
        sys.stderr.write("labui: cancelling; finished samples are kept (Ctrl-C again to quit now)\n")

    previous = signal.signal(signal.SIGINT, on_sigint)
    bar = None
    if args.format == "text" and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(
            total=sum(plan.requested.values()), desc=f"run {plan.run_id}", unit="sample", file=sys.stderr
        )
        bar.update(sum(len(v) for v in plan.filled.values()))
    done = [0]

    def progress(live: Any) -> None:
        if bar is not None:
            bar.update(live.done - done[0])
            done[0] = live.done

    try:
        summary = execute(store, plan, TeacherClient(plan.teacher, key), cancel=cancel, progress=progress)
    except TeacherError as exc:
        _print_summary(run_summary(store, plan.run_id), args.format, out)
        sys.stderr.write(f"labui: {exc}\n")
        return EXIT_PROBLEMS
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    _print_summary(summary, args.format, out)
    if summary["status"] == "finished":
        return EXIT_OK
    if interrupted[0]:
        return EXIT_CANCELLED
    if plan.options.token_budget is not None and summary["status"] == "cancelled":
        sys.stderr.write(f"labui: run {plan.run_id} stopped at the token budget; resume it with --resume\n")
    return EXIT_PROBLEMS


def _cmd_runs(args: argparse.Namespace, out: TextIO) -> int:
    from datetime import UTC, datetime

    from labui.generate.runner import run_summary
    from labui.store import samples as db

    store, _ = _store_and_taxonomy(args.taxonomy)
    if args.run is not None:
        summary = run_summary(store, args.run, per_leaf=True)
        if args.format == "json":
            out.write(json.dumps(summary) + "\n")
        else:
            _print_summary(summary, "text", out)
            for path, leaf in summary["per_leaf"].items():
                out.write(
                    f"  {path}: {leaf['samples']}/{leaf['requested']}  drops {leaf['drops']}  failures {leaf['failures']}\n"
                )
        return EXIT_OK
    runs = []
    for run, leaves, requested, samples in db.list_runs(store):
        started = datetime.fromtimestamp(run.created_at, UTC).isoformat(timespec="seconds")
        runs.append(
            {
                "run": run.id,
                "status": run.status,
                "started_at": started,
                "leaves": leaves,
                "requested": requested,
                "samples": samples,
            }
        )
    if args.format == "json":
        out.write(json.dumps({"runs": runs}) + "\n")
    else:
        for r in runs:
            out.write(
                f"{r['run']:>5}  {r['status']:<11} {r['started_at']}  {r['leaves']} leaves  {r['samples']}/{r['requested']} samples\n"
            )
        if not runs:
            out.write("no runs yet\n")
    return EXIT_OK


def _statuses(store: Any, ids: list[int]) -> dict[int, str]:
    """The review status of each sample that has a decision (the review area; absent before it exists)."""
    try:
        from labui.store.review import current_decisions
    except ImportError:
        return {}
    return {i: d.status for i, d in current_decisions(store, ids).items()}


def _cmd_samples(args: argparse.Namespace, out: TextIO) -> int:
    from labui.review.decisions import flags_and_decisions
    from labui.store.samples import SampleRow, iter_samples
    from labui.taxonomy import select_leaves

    store, taxonomy = _store_and_taxonomy(args.taxonomy)
    leaves = select_leaves(taxonomy, args.leaf) if args.leaf else []

    def emit(batch: list[SampleRow]) -> None:
        statuses = _statuses(store, [s.id for s in batch])
        review = flags_and_decisions(store, [s.id for s in batch])  # review's flags and decision
        for s in batch:
            record = {
                "id": s.id,
                "run": s.run_id,
                "leaf": s.leaf_path,
                "kind": s.kind,
                "question": s.question,
                "answer": s.answer,
                "context": s.context,
                "status": statuses.get(s.id, "new"),
                "teacher": s.teacher_model,
                "seed_ids": list(s.seed_ids),
                "flags": review[s.id][0],
                "decision": review[s.id][1],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    batch: list[SampleRow] = []
    for sample in iter_samples(store, run_ids=args.run or (), leaves=leaves):
        batch.append(sample)
        if len(batch) == 500:
            emit(batch)
            batch = []
    emit(batch)
    return EXIT_OK


def _cmd_teacher_serve(args: argparse.Namespace, out: TextIO) -> int:
    from labui.generate.local import LOCAL_MODEL, exit_reason, start_local_teacher

    teacher = start_local_teacher(args.port, threads=args.threads)
    out.write(f"local teacher {LOCAL_MODEL} at {teacher.url} (Ctrl-C stops it)\n")
    out.write(f"  export LABUI_TEACHER_URL={teacher.url} LABUI_TEACHER_MODEL={LOCAL_MODEL}\n")
    out.flush()
    try:
        code = teacher.proc.wait()
    except KeyboardInterrupt:
        return EXIT_CANCELLED
    finally:
        teacher.stop()
    if code == 0:
        return EXIT_OK
    sys.stderr.write(f"labui: the local teacher stopped: {exit_reason(code)}\n")
    return EXIT_PROBLEMS


def register(sub: Subparsers) -> None:
    p = sub.add_parser("generate", help="generate samples for leaves with a teacher model (resumable)")
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument(
        "--leaf",
        action="append",
        default=[],
        metavar="PATH",
        help="a leaf, or a branch (every leaf under it)",
    )
    p.add_argument("--num-samples", type=int, default=None, metavar="N", help="samples per leaf")
    p.add_argument(
        "--resume", type=int, default=None, metavar="RUN_ID", help="continue an interrupted or cancelled run"
    )
    p.add_argument(
        "--teacher-url",
        action="append",
        default=None,
        metavar="URL",
        help="OpenAI-compatible base URL (repeat or comma-list for a fleet); default $LABUI_TEACHER_URL",
    )
    p.add_argument("--model", default=None, help="teacher model name; default $LABUI_TEACHER_MODEL")
    p.add_argument("--api", choices=("chat", "completions"), default="chat")
    p.add_argument(
        "--template", default=None, help="prompt template for --api completions (chatml, llama3, plain)"
    )
    p.add_argument(
        "--structured",
        choices=("auto", "json_schema", "json_object", "text"),
        default=None,
        help="structured output: auto steps down from json_schema when the server refuses it",
    )
    p.add_argument("--concurrency", type=int, default=8, metavar="C", help="requests in flight")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--max-tokens", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--judge", action=argparse.BooleanOptionalAction, default=False, help="judge stages on or off"
    )
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one reply")
    p.add_argument("--context", type=int, default=None, metavar="TOKENS", help="the teacher's context length")
    p.add_argument("--documents", default=None, metavar="DIR", help="local copy of the knowledge documents")
    p.add_argument(
        "--token-budget",
        type=int,
        default=None,
        metavar="TOKENS",
        help="stop once this many tokens are spent",
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_generate)

    r = sub.add_parser("runs", help="generation runs, or one run's counters")
    r.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    r.add_argument("run", nargs="?", type=int, default=None, metavar="RUN_ID")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(handler=_cmd_runs)

    s = sub.add_parser("samples", help="generated samples, one JSON object per line")
    s.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    s.add_argument("--run", type=int, action="append", default=None, metavar="ID")
    s.add_argument("--leaf", action="append", default=[], metavar="PATH")
    s.add_argument("--format", choices=("jsonl",), default="jsonl")
    s.set_defaults(handler=_cmd_samples)

    t = sub.add_parser("teacher", help="the local teacher (llama.cpp + SmolLM2-135M-Instruct)")
    tsub = t.add_subparsers(dest="teacher_command", metavar="SUBCOMMAND", required=True)
    ts = tsub.add_parser("serve", help="serve the local teacher on 127.0.0.1 (OpenAI-compatible)")
    ts.add_argument("--port", type=int, default=8000)
    ts.add_argument("--threads", type=int, default=None)
    ts.set_defaults(handler=_cmd_teacher_serve)
