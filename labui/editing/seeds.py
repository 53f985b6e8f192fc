"""Seed rows from outside the Editor: import files read and merged into a leaf without repeats.

Import files: JSONL, JSON, CSV or YAML."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from labui.editing.model import LeafModel, QnADraft, SeedDraft, as_text, group_knowledge
from labui.errors import ContentError, FileRefusedError, UsageError
from labui.fsio import read_bytes_capped
from labui.taxonomy import qna_yaml
from labui.taxonomy.load import decode
from labui.taxonomy.model import LeafKind
from labui.taxonomy.yamlsafe import load_limited

SEED_FILE_TYPES = (".jsonl", ".json", ".csv", ".yaml", ".yml")


def seeds_from_rows(
    rows: Sequence[Mapping[str, Any]], kind: LeafKind, keys: tuple[str, ...] = qna_yaml.SEED_KEYS
) -> list[SeedDraft]:
    seeds: list[SeedDraft] = []
    for row in rows:
        qnas = row.get("questions_and_answers")
        if isinstance(qnas, list):
            seeds.append(
                SeedDraft(
                    context=as_text(row.get("context")),
                    qnas=[QnADraft(as_text(q.get("question")), as_text(q.get("answer"))) for q in qnas],
                    keys=keys,
                )
            )
        else:
            seeds.append(
                SeedDraft(
                    as_text(row.get("question")),
                    as_text(row.get("answer")),
                    as_text(row.get("context")),
                    keys=keys,
                )
            )
    if kind is LeafKind.KNOWLEDGE:
        seeds = group_knowledge(seeds, keys)
    return seeds


def _read(file: Path) -> bytes:
    try:
        return read_bytes_capped(file)
    except FileNotFoundError:
        raise UsageError(f"seed file not found: {file}") from None
    except IsADirectoryError:
        raise UsageError(f"{file} is a folder, not a seed file") from None
    except FileRefusedError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None


def read_seed_rows(file: Path) -> list[dict[str, Any]]:
    """Rows from JSONL, JSON, CSV or YAML: each with question and answer (and optional context), or
    context with questions_and_answers. A YAML or JSON file may also be a whole qna.yaml. Read
    through the size cap; YAML within the alias and depth limits."""
    suffix = file.suffix.lower()
    if suffix not in SEED_FILE_TYPES:
        raise UsageError(
            f"{file}: unknown seed file type {suffix or '(none)'}; use .jsonl, .json, .csv or .yaml"
        )
    if file.is_dir():
        raise UsageError(f"{file} is a folder, not a seed file")
    text, problem = decode(_read(file), str(file))
    if problem is not None:
        raise ContentError(f"{file}: {problem.message}")
    text = text.removeprefix("\ufeff")
    rows: Any
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ContentError(f"{file}:{n}: not valid JSON ({exc.msg})") from None
    elif suffix == ".json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
        if not {"question", "answer"} <= fields:
            raise ContentError(f"{file}: a CSV seed file needs a header with question and answer columns")
        rows = [{(k or "").strip().lower(): v for k, v in r.items() if v not in (None, "")} for r in reader]
    else:
        rows = load_limited(text, str(file))
    if isinstance(rows, Mapping) and isinstance(rows.get("seed_examples"), list):
        rows = rows["seed_examples"]
    if not isinstance(rows, list):
        raise ContentError(f"{file}: expected a list of seed examples")
    for n, row in enumerate(rows, 1):
        _check_row(file, n, row)
    return [dict(r) for r in rows]


def _check_row(file: Path, n: int, row: Any) -> None:
    if not isinstance(row, Mapping):
        raise ContentError(f"{file}: seed {n} is not an object with question and answer")
    qnas = row.get("questions_and_answers")
    if qnas is not None:
        if not isinstance(qnas, list) or not all(isinstance(q, Mapping) for q in qnas):
            raise ContentError(
                f"{file}: seed {n}: questions_and_answers must be a list of question/answer pairs"
            )
        if not as_text(row.get("context")).strip():
            raise ContentError(f"{file}: seed {n} has questions_and_answers but no context")
        pairs: list[Mapping[str, Any]] = list(qnas)
    else:
        pairs = [row]
    for q in pairs:
        for key in ("question", "answer"):
            value = q.get(key)
            if not isinstance(value, str | int | float) or not str(value).strip():
                raise ContentError(f"{file}: seed {n} has no {key}")


def _row_key(seed: SeedDraft) -> tuple[Any, ...]:
    if seed.qnas is not None:
        return ("k", seed.context.strip(), tuple((q.question.strip(), q.answer.strip()) for q in seed.qnas))
    return ("s", seed.context.strip(), seed.question.strip(), seed.answer.strip())


@dataclass(frozen=True, slots=True)
class MergeResult:
    added: int  # seed examples (skills) or Q&A pairs (knowledge) appended
    repeats: int  # exact repeats skipped


def merge_seeds(model: LeafModel, incoming: Sequence[SeedDraft]) -> MergeResult:
    """Append `incoming` to the model (a LeafModel), skipping exact repeats (of the leaf or of earlier
    rows). Knowledge: Q&A pairs for a context the leaf already has join that context's seed."""
    added = repeats = 0
    if model.kind is LeafKind.KNOWLEDGE:
        by_context = {s.context.strip(): s for s in model.seeds if s.qnas is not None}
        for inc in group_knowledge(incoming, model.seed_keys):
            target = by_context.get(inc.context.strip())
            if target is None:
                target = SeedDraft(context=inc.context, qnas=[], keys=model.seed_keys)
                model.seeds.append(target)
                by_context[inc.context.strip()] = target
            assert target.qnas is not None
            seen = {(q.question.strip(), q.answer.strip()) for q in target.qnas}
            for qa in inc.qnas or ():
                key = (qa.question.strip(), qa.answer.strip())
                if key in seen:
                    repeats += 1
                    continue
                seen.add(key)
                target.qnas.append(QnADraft(qa.question, qa.answer))
                added += 1
        return MergeResult(added, repeats)
    seen_rows = {_row_key(s) for s in model.seeds}
    for inc in incoming:
        key = _row_key(inc)
        if key in seen_rows:
            repeats += 1
            continue
        seen_rows.add(key)
        model.seeds.append(replace(inc, keys=model.seed_keys, origin=None))
        added += 1
    return MergeResult(added, repeats)
