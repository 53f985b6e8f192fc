"""Writing a leaf: validated, conflict-checked (sha256 of what was read), atomic, and only when changed.

`write_leaf` validates the text with the same strict rules as `labui validate`, checks under a
folder lock that the files on disk are still the ones that were read, and replaces them atomically
through labui/fsio.py (temporary file in the same folder, fsync, rename). Temporary files a killed
save left behind are removed first. A new leaf must have a place in the tree (`check_new_leaf_place`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labui.editing.build import model_from_leaf
from labui.editing.model import LeafModel
from labui.editing.rules import blocking, check_new_leaf_place, is_incomplete
from labui.errors import ConflictError, ContentError, UsageError
from labui.fsio import (
    atomic_write_text,
    clean_stray_temps,
    folder_lock,
    read_bytes_capped,
    sha256_bytes,
    write_fault,
)
from labui.taxonomy.diagnostics import Diagnostic, Severity
from labui.taxonomy.load import build_leaf
from labui.taxonomy.model import Leaf
from labui.taxonomy.paths import LeafLocation, check_leaf_path
from labui.textutil import plural


class LeafContentError(ContentError):
    """The text does not validate; nothing was written. `diagnostics` holds every problem."""

    def __init__(self, rel_file: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.rel_file = rel_file
        self.diagnostics = list(diagnostics)
        errors = [d for d in diagnostics if d.severity == Severity.ERROR]
        lines = [f"  {d.path}:{d.line}:{d.column}: {d.message}" for d in errors[:20]]
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(
            f"{rel_file} does not validate ({plural(len(errors), 'error')}); nothing was written:\n"
            + "\n".join(lines)
            + more
        )


class LeafConflictError(ConflictError):
    """A file changed on disk since it was read; nothing was written. Both versions are kept here."""

    def __init__(self, rel_file: str, disk_text: str | None, mine_text: str, disk_sha256: str | None) -> None:
        self.rel_file = rel_file
        self.disk_text = disk_text
        self.mine_text = mine_text
        self.disk_sha256 = disk_sha256
        what = "was deleted" if disk_text is None else "changed on disk"
        if disk_sha256 is not None and mine_text and disk_text is not None:
            what = "changed on disk" if disk_text != mine_text else "was rewritten on disk"
        super().__init__(
            f"{rel_file} {what} since it was opened; nothing was written. "
            "Reload it, merge your changes and save again."
        )


def read_file(path: Path) -> tuple[str | None, str | None]:
    """(text, sha256 of the bytes) of a file, (None, None) when it does not exist."""
    try:
        data = read_bytes_capped(path)
    except FileNotFoundError:
        return None, None
    return data.decode("utf-8", errors="replace"), sha256_bytes(data)


@dataclass(frozen=True, slots=True)
class WriteResult:
    leaf: Leaf  # the leaf as written (or as it is, when nothing changed), validated
    created: bool
    wrote_attribution: bool
    wrote_leaf: bool = True  # False: the contents were unchanged, so nothing was written

    @property
    def incomplete(self) -> bool:
        return any(is_incomplete(d) for d in self.leaf.diagnostics)


_UNSET: Any = object()


def write_leaf(
    root: Path,
    leaf_path: str,
    text: str,
    base_sha256: str | None,
    *,
    attribution: str | None = None,
    attribution_base: str | None = _UNSET,
    allow_incomplete: bool = False,
) -> WriteResult:
    """Validate and write a leaf's qna.yaml (and attribution.txt when `attribution` is given).

    `base_sha256`: the sha256 of the qna.yaml that was read (None: the leaf must not exist yet).
    `attribution_base`: the attribution.txt text that was read (None: it must not exist); unset,
    any attribution on disk is replaced. Raises UsageError (bad path or place), LeafContentError
    (does not validate) or LeafConflictError (changed on disk); in each case nothing on disk changes.
    """
    loc = check_leaf_path(root, leaf_path)
    if base_sha256 is None:
        check_new_leaf_place(loc)
    disk_attr, _ = read_file(loc.attribution_file)
    effective_attr = attribution if attribution is not None else disk_attr
    leaf = build_leaf(text, loc.path, loc.file, effective_attr)
    if blocking(leaf.diagnostics, allow_incomplete=allow_incomplete):
        raise LeafContentError(loc.rel_file, leaf.diagnostics)
    created_dirs = _make_folders(loc)
    try:
        with folder_lock(loc.folder):
            clean_stray_temps([loc.folder])
            disk_text, disk_sha = read_file(loc.file)
            if disk_sha != base_sha256:
                raise LeafConflictError(loc.rel_file, disk_text, text, disk_sha)
            write_attr = attribution is not None
            if write_attr:
                now_attr, _ = read_file(loc.attribution_file)
                if attribution_base is not _UNSET and now_attr != attribution_base:
                    raise LeafConflictError(
                        f"{loc.path}/attribution.txt",
                        now_attr,
                        attribution or "",
                        None if now_attr is None else "",
                    )
                write_attr = now_attr != attribution
                if write_attr:
                    atomic_write_text(loc.attribution_file, attribution or "")
            wrote = disk_text != text
            if wrote:
                atomic_write_text(loc.file, text)
    except BaseException as exc:
        for d in reversed(created_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()  # only folders this call made, and only if still empty
        if isinstance(exc, OSError):  # a full disk, a read-only folder: the atomic write changed nothing
            raise UsageError(
                f"cannot write {loc.rel_file}: {write_fault(exc)}; the file was not changed"
            ) from exc
        raise
    return WriteResult(leaf, base_sha256 is None, write_attr, wrote)


def _make_folders(loc: LeafLocation) -> list[Path]:
    made = []
    current = loc.root
    for part in loc.path.split("/"):
        current = current / part
        if not current.exists():
            current.mkdir()
            made.append(current)
    return made


def save_model(
    root: Path, model: LeafModel, *, allow_incomplete: bool = False, force: bool = False
) -> WriteResult:
    """Write the model's leaf. `force`: overwrite whatever is on disk now (after the curator saw both).
    An untouched leaf writes nothing (the text is the file's own, byte for byte)."""
    base = model.base_sha256
    attr_base: str | None = model.attribution_base
    if force:
        loc = check_leaf_path(root, model.path)
        base = read_file(loc.file)[1]
        attr_base = read_file(loc.attribution_file)[0]
    wants_attr = model.attribution is not None and model.attribution != model.attribution_base
    return write_leaf(
        root,
        model.path,
        model.to_text(),
        base,
        attribution=model.attribution
        if wants_attr or (model.is_new and model.attribution is not None)
        else None,
        attribution_base=attr_base,
        allow_incomplete=allow_incomplete,
    )


def after_save(model: LeafModel, result: WriteResult) -> LeafModel:
    """The model to keep editing after a save: the written file is the new base."""
    fresh = model_from_leaf(result.leaf)
    fresh.document_start = model.document_start
    return fresh
