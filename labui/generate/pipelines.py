"""Pipelines per leaf kind: the named stages that turn one slot of a leaf into one sample, LAB style.

freeform skill:  question (seeds of the leaf as in-context examples) -> [judge_question] -> answer -> [judge_pair]
grounded skill:  context (a new context and a question about it) -> answer -> [judge_pair]
knowledge:       qa (a question and answer grounded in one chunk of the document text) -> [judge_faithful]

Judges are optional. A stage either gives its fields, or ends the try as `Dropped` (a judge scored it
low, the question copies a seed) or `Unparsed` (the reply has no usable fields; its raw text rides
along). Transport failures come up from the teacher as `RequestFailed`.
"""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from labui.errors import UsageError
from labui.fsio import read_bytes_capped
from labui.generate.parse import ParseFailure, parse_reply, schema_for
from labui.generate.prompts import check_fits, render
from labui.generate.teacher import Reply, TeacherConfig
from labui.taxonomy import Leaf, LeafKind, SeedExample

STAGES: dict[str, tuple[str, ...]] = {
    LeafKind.FREEFORM_SKILL.value: ("question", "judge_question", "answer", "judge_pair"),
    LeafKind.GROUNDED_SKILL.value: ("context", "answer", "judge_pair"),
    LeafKind.KNOWLEDGE.value: ("qa", "judge_faithful"),
}
JUDGE_KEEP = 2  # judges score 1-3; a pair below this is dropped
CHUNK_CHARS = 1500  # document chunks: about a paragraph or three, well inside a small teacher's context
DOC_SUFFIXES = (".md", ".txt", ".rst")


def stages_for(kind: str, judge: bool) -> tuple[str, ...]:
    return tuple(s for s in STAGES[kind] if judge or not s.startswith("judge_"))


class Teacher(Protocol):
    config: TeacherConfig

    async def complete(
        self,
        prompt: str,
        *,
        schema: dict[str, Any],
        max_tokens: int,
        temperature: float,
        seed: int | None = None,
    ) -> Reply: ...


@dataclass(frozen=True, slots=True)
class GenOptions:
    num_samples: int
    temperature: float = 0.7
    max_tokens: int = 512
    seed: int = 0
    judge: bool = False
    examples: int = 3  # seeds shown to the teacher as in-context examples
    max_tries: int = 3  # full pipeline tries per slot when a reply is dropped or does not parse
    documents: str | None = None  # a local copy of the knowledge documents' repository
    token_budget: int | None = None  # stop taking new slots once this many tokens were spent

    def __post_init__(self) -> None:
        if not 1 <= self.num_samples <= 1_000_000:
            raise UsageError("--num-samples must be between 1 and 1,000,000")
        if not 0 <= self.temperature <= 2:
            raise UsageError("--temperature must be between 0 and 2")
        if not 16 <= self.max_tokens <= 131072:
            raise UsageError("--max-tokens must be between 16 and 131072")


@dataclass(slots=True)
class LeafPlan:
    """What a leaf's pipeline needs, read once: its seeds and, for knowledge, the chunks of its text."""

    path: str
    kind: str
    sha256: str
    task: str
    domain: str
    seeds: list[SeedExample]
    chunks: list[tuple[str, int | None]] = field(default_factory=list)  # (text, 1-based seed or None)


@dataclass(slots=True)
class StageOutcome:
    fields: dict[str, str]
    stages: dict[str, Any]
    raw: dict[str, str]
    seed_ids: list[int]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    retries: int = 0
    finish_reason: str | None = None
    url: str = ""


class Dropped(Exception):
    def __init__(self, stage: str, reason: str, detail: str, raw: str, outcome: StageOutcome) -> None:
        super().__init__(detail)
        self.stage, self.reason, self.detail, self.raw, self.outcome = stage, reason, detail, raw, outcome


class Unparsed(Dropped):
    """The reply had no usable fields (the raw text is kept)."""


def chunk_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Paragraph-aligned chunks of about `size` characters (a long paragraph is split on its own)."""
    chunks: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        while len(para) > size:
            chunks.append(para[:size])
            para = para[size:]
        if current and len(current) + len(para) + 2 > size:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    if current:
        chunks.append(current)
    return chunks


def _document_chunks(leaf: Leaf, documents: Path) -> list[str]:
    doc = leaf.document or {}
    patterns = [p for p in doc.get("patterns", []) if isinstance(p, str)] or ["*.md"]
    files = sorted(
        p
        for p in documents.rglob("*")
        if p.suffix.lower() in DOC_SUFFIXES
        and any(fnmatch.fnmatch(p.relative_to(documents).as_posix(), pat) for pat in patterns)
    )
    if not files:
        raise UsageError(
            f"{leaf.path}: no document file in {documents} matches {', '.join(patterns)}; "
            "give the folder holding a local copy of the leaf's document repository"
        )
    chunks: list[str] = []
    for f in files:
        text = read_bytes_capped(f, root=documents).decode("utf-8", errors="replace")
        chunks += chunk_text(text)
    return chunks


def plan_leaf(leaf: Leaf, documents: str | None = None) -> LeafPlan:
    """The plan of one leaf, or UsageError when the leaf cannot feed a pipeline."""
    if leaf.errors:
        first = next(d for d in leaf.diagnostics if d.severity.value == "error")
        raise UsageError(
            f"{leaf.path}: the leaf does not validate ({first.message}); fix it before generating"
        )
    seeds = [s for s in leaf.seeds if s.pairs]
    if not seeds:
        raise UsageError(f"{leaf.path}: the leaf has no seed examples to learn from")
    plan = LeafPlan(leaf.path, leaf.kind.value, leaf.sha256, leaf.description, leaf.domain, seeds)
    if leaf.kind is LeafKind.KNOWLEDGE:
        plan.chunks = [(s.context, i) for i, s in enumerate(seeds, 1) if s.context]
        if documents:
            plan.chunks += [(c, None) for c in _document_chunks(leaf, Path(documents))]
        if not plan.chunks:
            raise UsageError(
                f"{leaf.path}: no document text: the seeds have no context and no --documents given"
            )
    return plan


# --------------------------------------------------------------------------------------------------
# Rendering: the exact prompt a stage sends, for one slot (also what the UI shows for one seed).


def _rng(seed: int, path: str, slot: int, attempt: int) -> random.Random:
    return random.Random(f"{seed}/{path}/{slot}/{attempt}")


def _examples(plan: LeafPlan, rng: random.Random, k: int) -> list[int]:
    """1-based numbers of the seeds shown as examples, sampled within the leaf."""
    picked = rng.sample(range(1, len(plan.seeds) + 1), min(k, len(plan.seeds)))
    return sorted(picked)


def _format_examples(plan: LeafPlan, ids: Sequence[int], *, with_context: bool, with_answer: bool) -> str:
    out = []
    for n, i in enumerate(ids, 1):
        seed = plan.seeds[i - 1]
        for qa in seed.pairs[:3]:
            parts = []
            if with_context and seed.context and plan.kind != LeafKind.KNOWLEDGE.value:
                parts.append(f"Context: {seed.context.strip()}")
            parts.append(f"Question: {qa.question.strip()}")
            if with_answer:
                parts.append(f"Answer: {qa.answer.strip()}")
            out.append(f"Example {n}:\n" + "\n".join(parts))
    return "\n\n".join(out)


def render_stage(
    plan: LeafPlan, stage: str, slot: int, opts: GenOptions, values: dict[str, str], attempt: int = 0
) -> tuple[str, list[int]]:
    """The prompt of `stage` for this slot and the seed numbers it shows. `values`: earlier stages' fields."""
    rng = _rng(opts.seed, plan.path, slot, attempt)
    ids = _examples(plan, rng, opts.examples)
    task = plan.task or plan.domain or plan.path
    if stage in ("question", "context"):  # a new question (grounded: with a new context) from examples
        grounded = stage == "context"
        examples = _format_examples(plan, ids, with_context=grounded, with_answer=False)
        template = "grounded_context_question" if grounded else "freeform_question"
        return render(template, task_description=task, examples=examples), ids
    if stage == "answer" and plan.kind == LeafKind.GROUNDED_SKILL.value:
        return render("grounded_answer", task_description=task, **_pick(values, "context", "question")), []
    if stage == "answer":
        ex = plan.seeds[ids[0] - 1].pairs[0]
        return render(
            "freeform_answer",
            task_description=task,
            example_question=ex.question.strip(),
            example_answer=ex.answer.strip(),
            question=values.get("question", ""),
        ), ids[:1]
    if stage == "qa":
        chunk, seed_no = plan.chunks[slot % len(plan.chunks)]
        shown = [seed_no] if seed_no else ids
        examples = _format_examples(plan, shown, with_context=False, with_answer=True)
        return render("knowledge_qa", domain=plan.domain or task, chunk=chunk, examples=examples), shown
    if stage == "judge_question":
        return render("judge_question", task_description=task, question=values.get("question", "")), []
    if stage == "judge_pair":
        return render("judge_pair", **_pick(values, "question", "answer")), []
    if stage == "judge_faithful":
        return render("judge_faithful", **_pick(values, "chunk", "question", "answer")), []
    raise UsageError(f"unknown stage {stage!r}")


def _pick(values: dict[str, str], *names: str) -> dict[str, str]:
    return {n: values.get(n, "") for n in names}


STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "question": ("question",),
    "context": ("context", "question"),
    "answer": ("answer",),
    "qa": ("question", "answer"),
}


def preflight(plans: Sequence[LeafPlan], opts: GenOptions, config: TeacherConfig) -> None:
    """Before any call: the longest prompt of every stage of every leaf fits the teacher's context."""
    filler = "x" * min(opts.max_tokens * 3, 2000)  # an earlier stage's reply, as long as it may be
    for plan in plans:
        for stage in stages_for(plan.kind, opts.judge):
            values = {"question": filler, "answer": filler, "context": filler}
            slots = range(len(plan.chunks)) if stage == "qa" else range(1)
            for slot in slots:
                if stage in ("judge_faithful",):
                    values["chunk"] = max((c for c, _ in plan.chunks), key=len)
                prompt, _ = render_stage(plan, stage, slot, opts, values)
                check_fits(prompt, opts.max_tokens, config.context_tokens, f"{plan.path} ({stage})")


# --------------------------------------------------------------------------------------------------
# Running one try of one slot.

StageHook = Callable[[str, str, int], None]  # (leaf, stage, +1 started / -1 ended)


def _copies_seed(question: str, plan: LeafPlan) -> bool:
    norm = " ".join(question.lower().split())
    return any(" ".join(qa.question.lower().split()) == norm for s in plan.seeds for qa in s.pairs)


async def run_try(
    plan: LeafPlan,
    slot: int,
    attempt: int,
    teacher: Teacher,
    opts: GenOptions,
    on_stage: StageHook | None = None,
) -> StageOutcome:
    """One pass of the leaf's pipeline for `slot`; raises Dropped / Unparsed / RequestFailed."""
    out = StageOutcome(fields={}, stages={}, raw={}, seed_ids=[])
    values: dict[str, str] = {}
    if plan.kind == LeafKind.KNOWLEDGE.value:
        values["chunk"] = plan.chunks[slot % len(plan.chunks)][0]
    for stage in stages_for(plan.kind, opts.judge):
        prompt, ids = render_stage(plan, stage, slot, opts, values, attempt)
        out.seed_ids = sorted(set(out.seed_ids) | set(ids))
        judge = stage.startswith("judge_")
        fields = STAGE_FIELDS.get(stage, ())
        schema = schema_for(fields, score=judge)
        seed = (opts.seed * 1_000_003 + slot * 31 + attempt) % 2**31
        if on_stage:
            on_stage(plan.path, stage, 1)
        try:
            reply = await teacher.complete(
                prompt,
                schema=schema,
                max_tokens=opts.max_tokens,
                temperature=0.0 if judge else opts.temperature,
                seed=seed,
            )
        finally:
            if on_stage:
                on_stage(plan.path, stage, -1)
        _account(out, reply)
        out.raw[stage] = reply.text
        try:
            parsed = parse_reply(reply.text, fields, score=judge)
        except ParseFailure as exc:
            reason = "truncated" if reply.finish_reason == "length" else exc.reason
            raise Unparsed(stage, reason, exc.detail, reply.text, out) from None
        out.stages[stage] = parsed
        if judge:
            score = int(parsed["score"])  # type: ignore[call-overload]
            if score < JUDGE_KEEP:
                raise Dropped(
                    stage, "judge_low", f"scored {score}: {parsed.get('why', '')}"[:500], reply.text, out
                )
            continue
        values.update({k: str(v) for k, v in parsed.items()})
        if stage in ("question", "context", "qa") and _copies_seed(values["question"], plan):
            raise Dropped(stage, "copies_seed", "the question repeats a seed example", reply.text, out)
    out.fields = values
    out.stages["mode"] = getattr(teacher, "mode", "")
    return out


def _account(out: StageOutcome, reply: Reply) -> None:
    out.prompt_tokens += reply.prompt_tokens
    out.completion_tokens += reply.completion_tokens
    out.requests += 1 + reply.retries
    out.retries += reply.retries
    out.finish_reason = reply.finish_reason
    out.url = reply.url
