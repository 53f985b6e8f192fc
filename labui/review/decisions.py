"""People's decisions on samples: one-click and bulk decisions, edits with their diff, undo, marks."""

from __future__ import annotations

import difflib
from dataclasses import replace

from labui.errors import UsageError
from labui.store import Store
from labui.store.review import (
    Decision,
    Filter,
    current_decision,
    current_decisions,
    decide,
    decide_matching,
    flags_for,
    get_sample,
)

BULK_VERBS = {"accept": "accepted", "reject": "rejected", "restore": "new"}
DUPLICATE_GATES = ("exact_duplicate", "near_duplicate")


def _reviewer(name: str) -> str:
    name = name.strip()
    if not name:
        raise UsageError("a reviewer name is needed for every decision")
    return name


def accept(store: Store, sample_id: int, reviewer: str) -> int:
    return decide(store, sample_id, "accepted", reviewer=_reviewer(reviewer))


def reject(store: Store, sample_id: int, reviewer: str, reason: str = "") -> int:
    return decide(store, sample_id, "rejected", reviewer=_reviewer(reviewer), reason=reason.strip())


def restore(store: Store, sample_id: int, reviewer: str) -> int:
    """Bring a rejected sample back from the trash to the queue (status new)."""
    return decide(store, sample_id, "new", reviewer=_reviewer(reviewer), reason="restored")


def edit(
    store: Store, sample_id: int, reviewer: str, *, question: str, answer: str, context: str | None = None
) -> int:
    """Store an edited text beside the original (which stays as generated); an edit counts as accepted."""
    if not question.strip() or not answer.strip():
        raise UsageError("an edited sample needs a question and an answer")
    return decide(
        store,
        sample_id,
        "edited",
        reviewer=_reviewer(reviewer),
        question=question,
        answer=answer,
        context=context,
    )


def bulk(
    store: Store, flt: Filter, verb: str, reviewer: str, reason: str = "", description: str = ""
) -> tuple[int | None, int]:
    """accept / reject / restore every sample of the filter whose status that changes (one transaction,
    one undoable action). Returns (action id, how many changed)."""
    if verb not in BULK_VERBS:
        raise UsageError(f"not a bulk action: {verb} (accept, reject or restore)")
    if verb == "restore":
        flt = replace(flt, statuses=flt.statuses or ("rejected",))
    return decide_matching(
        store, flt, BULK_VERBS[verb], reviewer=_reviewer(reviewer), reason=reason, description=description
    )


def reject_duplicates_keep_first(store: Store, flt: Filter, reviewer: str) -> tuple[int | None, int]:
    """Reject every sample flagged as an exact or near duplicate within the filter. The gates never
    flag the first member of a group, so each group's first stays."""
    return bulk(
        store,
        replace(flt, gates=DUPLICATE_GATES),
        "reject",
        reviewer,
        reason="duplicate (kept each group's first)",
        description="flagged duplicates",
    )


def effective_text(store: Store, sample_id: int) -> tuple[str, str, str | None]:
    """(question, answer, context) as the reviewer left it: the edit when there is one."""
    sample = get_sample(store, sample_id)
    if sample is None:
        raise UsageError(f"no sample #{sample_id}")
    dec = current_decision(store, sample_id)
    if dec is not None and dec.status == "edited":
        return dec.question or "", dec.answer or "", dec.context
    return sample.question, sample.answer, sample.context


def text_diff(original: str, edited: str) -> str:
    """A unified diff of two texts, line by line (empty when equal)."""
    lines = difflib.unified_diff(
        original.splitlines(), edited.splitlines(), "generated", "edited", lineterm="", n=2
    )
    return "\n".join(lines)


def flags_and_decisions(
    store: Store, sample_ids: list[int]
) -> dict[int, tuple[list[dict[str, object]], dict[str, object] | None]]:
    """For `labui samples --format jsonl`: per sample id, its flags and current decision as JSON."""
    flags = flags_for(store, sample_ids)
    current = current_decisions(store, sample_ids)
    out: dict[int, tuple[list[dict[str, object]], dict[str, object] | None]] = {}
    for sid in sample_ids:
        dec: Decision | None = current.get(sid)
        out[sid] = (
            [
                {"gate": f.gate, "reason": f.reason, "score": f.score, "other": f.other}
                for f in flags.get(sid, [])
            ],
            None
            if dec is None
            else {"status": dec.status, "reviewer": dec.reviewer, "reason": dec.reason, "at": dec.at},
        )
    return out
