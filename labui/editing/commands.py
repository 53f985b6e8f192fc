"""The headless editing commands (`labui leaf create`, `labui seeds import`): open, create, import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

from labui.editing.build import LeafFields, model_from_leaf, new_model
from labui.editing.model import LeafModel
from labui.editing.rules import check_new_leaf_place
from labui.editing.seeds import merge_seeds, read_seed_rows, seeds_from_rows
from labui.editing.writes import WriteResult, save_model, write_leaf
from labui.errors import UsageError
from labui.fsio import clean_stray_temps
from labui.taxonomy.model import LeafKind
from labui.taxonomy.paths import LeafLocation, check_leaf_path


class LeafExistsError(UsageError):
    """`leaf create` where a leaf already is."""


def open_leaf(root: Path, leaf_path: str) -> tuple[LeafLocation, LeafModel]:
    """Read an existing leaf into a model (UsageError if it does not exist). Temporary files a
    killed save left in its folder are removed."""
    from labui.taxonomy.load import load_leaf

    loc = check_leaf_path(root, leaf_path)
    if not loc.exists:
        raise UsageError(
            f"no leaf at {loc.path}: {loc.rel_file} does not exist (create it with `labui leaf create`)"
        )
    clean_stray_temps([loc.folder])
    return loc, model_from_leaf(load_leaf(loc.root, loc.file))


def create_leaf(
    root: Path,
    leaf_path: str,
    kind: LeafKind | str,
    created_by: str,
    *,
    allow_incomplete: bool = False,
    **fields: Unpack[LeafFields],
) -> WriteResult:
    """Write a new version-3 leaf and its attribution.txt (`fields` as for `new_model`). Nothing
    changes if anything is wrong."""
    loc = check_leaf_path(root, leaf_path)
    if loc.exists:
        raise LeafExistsError(
            f"{loc.rel_file} already exists; edit it, or import seeds with `labui seeds import`"
        )
    check_new_leaf_place(loc)
    model = new_model(loc.path, kind, created_by, **fields)
    return write_leaf(
        loc.root,
        loc.path,
        model.to_text(),
        None,
        attribution=model.attribution,
        attribution_base=None,
        allow_incomplete=allow_incomplete,
    )


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    repeats: int
    write: WriteResult | None  # None when nothing new was added (nothing written)


def import_seeds(root: Path, leaf_path: str, file: Path, *, allow_incomplete: bool = False) -> ImportResult:
    """Append the seed examples in `file` to a leaf, skipping exact repeats; validate, then write.
    Only the new seeds' lines are added to the file; the rest stays as it was."""
    _, model = open_leaf(root, leaf_path)
    rows = read_seed_rows(file)
    merged = merge_seeds(model, seeds_from_rows(rows, model.kind, model.seed_keys))
    if not merged.added:
        return ImportResult(0, merged.repeats, None)
    return ImportResult(
        merged.added, merged.repeats, save_model(root, model, allow_incomplete=allow_incomplete)
    )
