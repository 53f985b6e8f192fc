"""The rules of a leaf being written: seed minimums, what an unfinished leaf may lack, where a new leaf may go.

"Incomplete" leaves: a new leaf starts with fewer seed examples than the schema asks for (5). The
library refuses any write with an error by default; `allow_incomplete=True` (the CLI's default
for `leaf create` and `seeds import`) lets through only the errors that more seeds will fix
(diagnostic codes in `INCOMPLETE_CODES`), so a leaf can be created first and filled by imports.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labui.errors import UsageError
from labui.taxonomy.diagnostics import INCOMPLETE_CODES, Diagnostic, Severity
from labui.taxonomy.model import LEAF_FILE, LeafKind
from labui.taxonomy.paths import LeafLocation
from labui.taxonomy.validate import latest_version
from labui.textutil import plural

if TYPE_CHECKING:
    from labui.editing.model import LeafModel


class LeafPlacementError(UsageError):
    """A new leaf where the tree does not allow one: above other leaves, or inside a leaf's folder."""


# What the schema asks for (read from the official schema, so a new version cannot drift from it).


@functools.cache
def _min_items(kind: str, *keys: str) -> int:
    from instructlab.schema import schema_base

    try:
        schema = json.loads(schema_base().joinpath(f"v{latest_version()}", f"{kind}.json").read_text("utf-8"))
        node: Any = schema["properties"]
        for i, key in enumerate(keys):
            node = node[key]
            if i < len(keys) - 1:
                node = node["items"]["properties"]
        return int(node["minItems"])
    except (KeyError, TypeError, ValueError, OSError):  # a schema laid out differently: upstream's numbers
        return 3 if keys[-1] == "questions_and_answers" else 5


def min_seeds(kind: LeafKind) -> int:
    return _min_items("knowledge" if kind is LeafKind.KNOWLEDGE else "compositional_skills", "seed_examples")


def min_qnas() -> int:
    return _min_items("knowledge", "seed_examples", "questions_and_answers")


def is_incomplete(d: Diagnostic) -> bool:
    """An error that more seed examples (or Q&A pairs) will fix: the schema's minimum counts."""
    return d.code in INCOMPLETE_CODES


def blocking(diagnostics: Iterable[Diagnostic], *, allow_incomplete: bool = False) -> list[Diagnostic]:
    """The errors that refuse a write."""
    return [
        d for d in diagnostics if d.severity == Severity.ERROR and not (allow_incomplete and is_incomplete(d))
    ]


@dataclass(frozen=True, slots=True)
class SeedsNeeded:
    seeds: int  # seed examples (knowledge: contexts) still to add
    qnas: dict[int, int]  # knowledge: seed index -> Q&A pairs still to add

    @property
    def total(self) -> int:
        return self.seeds + sum(self.qnas.values())

    def message(self, kind: LeafKind) -> str:
        if not self.total:
            return "enough seed examples"
        if kind is LeafKind.KNOWLEDGE:
            parts = []
            if self.seeds:
                parts.append(f"{plural(self.seeds, 'more context')} (each with Q&A pairs)")
            if self.qnas:
                where = ", ".join(str(i + 1) for i in sorted(self.qnas))
                parts.append(f"{plural(sum(self.qnas.values()), 'more Q&A pair')} (context {where})")
            return " and ".join(parts) + " needed"
        return f"{plural(self.seeds, 'more seed example')} needed"


def seeds_needed(model: LeafModel) -> SeedsNeeded:
    """What the leaf still lacks: seed examples, and (knowledge) Q&A pairs per seed."""
    missing = max(0, min_seeds(model.kind) - len(model.seeds))
    qnas: dict[int, int] = {}
    if model.kind is LeafKind.KNOWLEDGE:
        need = min_qnas()
        for i, s in enumerate(model.seeds):
            have = len(s.qnas or ())
            if have < need:
                qnas[i] = need - have
    return SeedsNeeded(missing, qnas)


def check_new_leaf_place(loc: LeafLocation) -> None:
    """Refuse a new leaf inside another leaf's folder or in a folder with leaves below it: a leaf
    is an end of the tree (InstructLab reads every qna.yaml as its own leaf)."""
    current = loc.root
    for part in loc.path.split("/")[:-1]:
        current = current / part
        if (current / LEAF_FILE).is_file():
            rel = current.relative_to(loc.root).as_posix()
            raise LeafPlacementError(
                f"cannot create a leaf at {loc.path}: {rel} is already a leaf (it has a {LEAF_FILE}); "
                "a leaf cannot hold other leaves. Choose a folder beside it."
            )
    if not loc.folder.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(loc.folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if LEAF_FILE in filenames and os.path.realpath(dirpath) != os.path.realpath(loc.folder):
            rel = os.path.relpath(os.path.join(dirpath, LEAF_FILE), loc.root)
            raise LeafPlacementError(
                f"cannot create a leaf at {loc.path}: the folder already has leaves below it ({rel}); "
                "a branch cannot also be a leaf. Choose a new folder, or one without leaves below it."
            )
