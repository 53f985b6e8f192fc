"""Promote to seed: an accepted (or edited) generated sample becomes a seed example of its leaf.

It goes through the Editor's safe write path (validation, conflict check, atomic write)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labui.editing import WriteResult, merge_seeds, open_leaf, save_model, seeds_from_rows
from labui.errors import UsageError
from labui.export.messages import EXPORTED_BY_DEFAULT, Reviewed, texts
from labui.store import review
from labui.store.db import Store
from labui.taxonomy import LeafKind


@dataclass(frozen=True, slots=True)
class PromoteResult:
    sample_id: int
    leaf_path: str
    added: bool  # False: the leaf already holds this seed word for word (nothing written)
    write: WriteResult | None

    def to_json(self) -> dict[str, Any]:
        leaf = self.write.leaf if self.write is not None else None
        return {
            "sample": self.sample_id,
            "leaf": self.leaf_path,
            "added": self.added,
            "seed_examples": leaf.seed_count if leaf is not None else None,
        }


def seed_row(kind: str, question: str, answer: str, context: str | None) -> dict[str, Any]:
    """The seed-file row of a sample (the shape `seeds import` reads)."""
    if kind == LeafKind.KNOWLEDGE.value:
        return {"context": context or "", "questions_and_answers": [{"question": question, "answer": answer}]}
    row: dict[str, Any] = {"question": question, "answer": answer}
    if context:
        row["context"] = context
    return row


def promote_sample(store: Store, root: Path, sample_id: int) -> PromoteResult:
    """Append sample `sample_id` (its edited text when edited) to its leaf's seed examples.

    UsageError: no such sample, or it is not accepted. ContentError (the leaf would not validate) and
    ConflictError (the leaf changed on disk meanwhile) come from the Editor's write path unchanged.
    """
    sample = review.get_sample(store, sample_id)
    if sample is None:
        raise UsageError(f"no sample {sample_id} in this workspace")
    decision = review.current_decision(store, sample_id)
    item = Reviewed(sample, decision)
    if item.status not in EXPORTED_BY_DEFAULT:
        raise UsageError(f"sample {sample_id} is {item.status}; only an accepted sample can become a seed")
    question, answer, context = texts(item)
    _, model = open_leaf(root, sample.leaf_path)
    merged = merge_seeds(
        model,
        seeds_from_rows([seed_row(sample.kind, question, answer, context)], model.kind, model.seed_keys),
    )
    if not merged.added:
        return PromoteResult(sample_id, sample.leaf_path, False, None)
    return PromoteResult(sample_id, sample.leaf_path, True, save_model(root, model))
