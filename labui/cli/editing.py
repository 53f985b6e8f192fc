"""The editing commands of the `labui` CLI: `leaf create`, `seeds import`, `changes`.

Registered from labui.cli; only argparse is imported here at start-up, the work happens inside
the handlers. Exit codes as everywhere: 0 done, 1 content that does not validate or a conflict
(nothing written), 2 a bad command or path (nothing written).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from labui.cli.common import Subparsers

KINDS = ("freeform_skill", "grounded_skill", "knowledge")


def _report_write(out: TextIO, result: Any, what: str, kind: str) -> None:
    from labui.editing import attribution_warnings, model_from_leaf, seeds_needed
    from labui.textutil import plural

    leaf = result.leaf
    seeds = plural(leaf.seed_count, "seed example")
    out.write(f"{what} {leaf.rel_file} (version {leaf.version}, {kind}, {seeds})\n")
    if result.wrote_attribution:
        out.write(f"wrote {leaf.path}/attribution.txt\n")
    if result.incomplete:
        need = seeds_needed(model_from_leaf(leaf)).message(leaf.kind)
        out.write(f"incomplete: {need} before it validates; add them with `labui seeds import`\n")
    for d in leaf.diagnostics:
        if d.severity.value == "warning":
            out.write(f"{d.path}:{d.line}:{d.column}: warning: {d.message}\n")
    for w in attribution_warnings(leaf.attribution):
        out.write(f"warning: {w}\n")


def _cmd_leaf_create(args: argparse.Namespace, out: TextIO) -> int:
    from labui.editing import Attribution, create_leaf, read_seed_rows
    from labui.errors import UsageError
    from labui.taxonomy.load import check_root

    knowledge = args.kind == "knowledge"
    # The options only a knowledge leaf takes (and must have).
    knowledge_only = (
        ("--domain", args.domain),
        ("--document-outline", args.document_outline),
        ("--document-repo", args.document_repo),
        ("--document-commit", args.document_commit),
        ("--document-pattern", args.document_pattern),
    )
    if knowledge:
        missing = [opt for opt, value in knowledge_only if not value]
        wrong = ["--task-description"] if args.task_description else []
    else:
        missing = [] if args.task_description else ["--task-description"]
        wrong = [opt for opt, value in knowledge_only if value]
    if missing:
        raise UsageError(f"a {args.kind} leaf needs {', '.join(missing)}")
    if wrong:
        raise UsageError(
            f"{', '.join(wrong)} {'does' if len(wrong) == 1 else 'do'} not apply to a {args.kind} leaf"
        )
    if not args.created_by.strip():
        raise UsageError("--created-by must not be empty")
    root = check_root(args.taxonomy)
    rows = read_seed_rows(Path(args.seeds)) if args.seeds else []
    attribution = Attribution(
        title=args.title or "",
        link=args.link or args.document_repo or "",
        revision=args.revision or args.document_commit or "",
        license=args.license or "",
        creator=args.creator or ("" if knowledge else args.created_by),
    )
    if not knowledge and not attribution.title:
        attribution = Attribution(
            **{**_fields(attribution), "title": args.task_description.split("\n")[0][:80]}
        )
    result = create_leaf(
        root,
        args.leaf_path,
        args.kind,
        args.created_by,
        task_description=args.task_description,
        domain=args.domain,
        document_outline=args.document_outline,
        document_repo=args.document_repo or "",
        document_commit=args.document_commit or "",
        document_patterns=args.document_pattern or (),
        seeds=rows,
        attribution=attribution,
        allow_incomplete=not args.strict,
    )
    if args.format == "json":
        _json_result(out, result, added=len(rows), repeats=0)
    else:
        _report_write(out, result, "created", args.kind)
    return 0


def _fields(a: Any) -> dict[str, str]:
    return {k: getattr(a, k) for k in ("title", "link", "revision", "license", "creator")}


def _json_result(out: TextIO, result: Any, *, added: int, repeats: int) -> None:
    leaf = result.leaf if result is not None else None
    doc = {
        "added": added,
        "repeats": repeats,
        "written": result is not None,
        "path": leaf.path if leaf else None,
        "seed_examples": leaf.seed_count if leaf else None,
        "incomplete": bool(result and result.incomplete),
        "diagnostics": [d.to_json() for d in leaf.diagnostics] if leaf else [],
    }
    json.dump(doc, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _cmd_seeds_import(args: argparse.Namespace, out: TextIO) -> int:
    from labui.editing import import_seeds
    from labui.taxonomy.load import check_root
    from labui.textutil import plural

    root = check_root(args.taxonomy)
    result = import_seeds(root, args.leaf_path, Path(args.file), allow_incomplete=not args.strict)
    if args.format == "json":
        _json_result(out, result.write, added=result.added, repeats=result.repeats)
        return 0
    skipped = f" ({plural(result.repeats, 'exact repeat')} skipped)" if result.repeats else ""
    if result.write is None:
        out.write(f"nothing to import: every seed example in {args.file} is already in the leaf{skipped}\n")
        return 0
    out.write(f"imported {plural(result.added, 'new seed example')}{skipped}\n")
    _report_write(out, result.write, "wrote", result.write.leaf.kind.value)
    return 0


def _cmd_changes(args: argparse.Namespace, out: TextIO) -> int:
    from labui.errors import UsageError
    from labui.taxonomy.changes import taxonomy_changes

    report = taxonomy_changes(args.taxonomy)
    if not report.is_git:
        raise UsageError(report.message)
    if args.format == "json":
        doc = {"message": report.message, "changes": [c.to_json() for c in report.changes]}
        json.dump(doc, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for c in report.changes:
            detail = f" ({c.errors} errors, {c.warnings} warnings)" if c.errors or c.warnings else ""
            out.write(f"{c.change:8} {c.status:7} {c.path}{detail}\n")
        out.write(report.message + "\n")
    return 1 if report.errors else 0


def register(sub: Subparsers) -> None:
    leaf = sub.add_parser("leaf", help="create a leaf (qna.yaml + attribution.txt)")
    leaf_sub = leaf.add_subparsers(dest="leaf_command", metavar="ACTION", required=True)
    p = leaf_sub.add_parser(
        "create",
        help="write a new version-3 leaf and its attribution.txt",
        description="Write a new version-3 qna.yaml and attribution.txt. The leaf may start with fewer seed "
        "examples than the schema asks for (it is reported as incomplete); every other problem refuses the write.",
    )
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("leaf_path", metavar="LEAF_PATH", help="e.g. compositional_skills/writing/poetry/haiku")
    p.add_argument("--kind", required=True, choices=KINDS)
    p.add_argument("--created-by", required=True, metavar="NAME")
    p.add_argument("--task-description", metavar="TEXT", help="skills: what the skill does")
    p.add_argument("--domain", metavar="TEXT", help="knowledge: the subject, e.g. Astronomy")
    p.add_argument("--document-repo", metavar="URL", help="knowledge: git repository of the source document")
    p.add_argument("--document-commit", metavar="SHA", help="knowledge: commit of the source document")
    p.add_argument(
        "--document-pattern", metavar="GLOB", action="append", help="knowledge: file pattern (repeatable)"
    )
    p.add_argument("--document-outline", metavar="TEXT", help="knowledge: a brief summary of the document")
    p.add_argument("--seeds", metavar="FILE", help="seed examples to start with (JSONL, JSON, CSV or YAML)")
    for name in ("title", "link", "revision", "license", "creator"):
        p.add_argument(f"--{name}", metavar="TEXT", help=f"attribution.txt: {name} of the work")
    p.add_argument("--strict", action="store_true", help="refuse to write a leaf with too few seed examples")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_leaf_create)

    seeds = sub.add_parser("seeds", help="add seed examples to a leaf")
    seeds_sub = seeds.add_subparsers(dest="seeds_command", metavar="ACTION", required=True)
    p = seeds_sub.add_parser(
        "import",
        help="append seed examples from JSONL, JSON, CSV or YAML, skipping exact repeats",
        description="Append seed examples (question, answer, optional context; knowledge: context with "
        "questions_and_answers, or flat rows grouped by context) to a leaf. Exact repeats are skipped; the "
        "result is validated before anything is written.",
    )
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("leaf_path", metavar="LEAF_PATH")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--strict", action="store_true", help="refuse if the leaf still has too few seed examples")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_seeds_import)

    from labui.cli.export import register_promote  # `seeds promote` lives with export

    register_promote(seeds_sub)

    p = sub.add_parser("changes", help="leaves added, modified or deleted since git HEAD, with their status")
    p.add_argument("taxonomy", metavar="TAXONOMY_DIR")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=_cmd_changes)
