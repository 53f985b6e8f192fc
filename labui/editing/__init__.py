"""The editing stage: leaves and seed examples changed safely.

Takes: a taxonomy root and a leaf (read by labui.taxonomy), edits from the Editor's forms, uploads or
seed files, the workspace `Store` (for drafts). Gives: qna.yaml and attribution.txt written back
(validated, conflict-checked, atomic; only the changed lines rewritten), and drafts per (leaf, owner).

    model.py        LeafModel and its seed cards; back to qna.yaml text by patching the file's own
    build.py        models from a leaf on disk, from contents, from an upload, or new
    rules.py        seed minimums, what an unfinished leaf may lack, where a new leaf may go
    attribution.py  attribution.txt fields and placeholders
    seeds.py        seed rows from import files; merging without repeats
    writes.py       validated, conflict-checked, atomic writes (and errors that carry both versions)
    commands.py     the headless commands: open, create, import
    drafts.py       unsaved edits per (leaf, owner) in the workspace
    placement.py    which form field each diagnostic belongs to; Editor-only advice
    diff.py         what a save would change
    similarity.py   near-duplicate seeds across the tree (same words, same meaning)
"""

from labui.editing.attribution import Attribution, attribution_warnings
from labui.editing.build import (
    default_attribution,
    model_from_contents,
    model_from_leaf,
    model_from_text,
    new_leaf_text,
    new_model,
)
from labui.editing.commands import ImportResult, LeafExistsError, create_leaf, import_seeds, open_leaf
from labui.editing.model import DocumentDraft, LeafModel, QnADraft, SeedDraft
from labui.editing.rules import (
    LeafPlacementError,
    SeedsNeeded,
    blocking,
    check_new_leaf_place,
    is_incomplete,
    min_qnas,
    min_seeds,
    seeds_needed,
)
from labui.editing.seeds import MergeResult, merge_seeds, read_seed_rows, seeds_from_rows
from labui.editing.writes import (
    LeafConflictError,
    LeafContentError,
    WriteResult,
    after_save,
    save_model,
    write_leaf,
)

__all__ = [
    "Attribution",
    "DocumentDraft",
    "ImportResult",
    "LeafConflictError",
    "LeafContentError",
    "LeafExistsError",
    "LeafModel",
    "LeafPlacementError",
    "MergeResult",
    "QnADraft",
    "SeedDraft",
    "SeedsNeeded",
    "WriteResult",
    "after_save",
    "attribution_warnings",
    "blocking",
    "check_new_leaf_place",
    "create_leaf",
    "default_attribution",
    "import_seeds",
    "is_incomplete",
    "merge_seeds",
    "min_qnas",
    "min_seeds",
    "model_from_contents",
    "model_from_leaf",
    "model_from_text",
    "new_leaf_text",
    "new_model",
    "open_leaf",
    "read_seed_rows",
    "save_model",
    "seeds_from_rows",
    "seeds_needed",
    "write_leaf",
]
