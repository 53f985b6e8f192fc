"""Writing an export folder whole: reviewed samples in, data files, figures and card out.

Reviewed samples stream into train.jsonl / train.parquet, then come the figures, the plot and the
card, all in a temporary folder beside the target that replaces it in one rename.

An existing export is never half overwritten: until the final exchange of folders, readers see the
old export whole; a process killed mid-export leaves only a hidden temporary folder, removed by the
next export. The data files depend only on the decisions: rows in sample-id order, stable ids, no
timestamps, so the same decisions give byte-identical files. Only README.md carries a date.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labui.errors import JobCancelled, UsageError, WorkspaceError
from labui.export import card, source
from labui.export.figures import Figures
from labui.export.messages import DEFAULT_SYSTEM_PROMPT, EXPORTED_BY_DEFAULT, jsonl_line, texts, to_row
from labui.export.parquet import ParquetRows
from labui.export.plot import per_leaf_png
from labui.fsio import folder_lock, fsync_dir, write_fault
from labui.procs import pid_alive
from labui.store.db import Store
from labui.store.workspace import WORKSPACE_DIR
from labui.taxonomy import Leaf, Taxonomy

FILE_KINDS = ("jsonl", "parquet")
MARKER = "labui export"  # quality.json's "generator": tells a labui export from a user's own folder
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]  # asked between rows: True stops the export (JobCancelled), nothing written


@dataclass(frozen=True, slots=True)
class ExportOptions:
    run_ids: tuple[int, ...] = ()
    leaves: tuple[str, ...] = ()  # leaf paths or branch folders (every leaf under them)
    files: tuple[str, ...] = FILE_KINDS
    include_unreviewed: bool = False
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    batch: int = 5000


# Rows between progress calls and between cancel checks: the bar moves and a Cancel takes effect
# within a fraction of a second, at no cost worth measuring.
PROGRESS_EVERY = 500
CANCEL_EVERY = 100


@dataclass(frozen=True, slots=True)
class ExportResult:
    out: Path
    samples: int
    per_leaf: dict[str, int]
    files: list[str]
    figures: dict[str, Any] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"out": str(self.out), "samples": self.samples, "per_leaf": self.per_leaf, "files": self.files}


def statuses_exported(include_unreviewed: bool) -> tuple[str, ...]:
    return (*EXPORTED_BY_DEFAULT, "new") if include_unreviewed else EXPORTED_BY_DEFAULT


def select_leaves(store: Store, run_ids: Sequence[int], wanted: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per-leaf status counts of the selection; `wanted` entries may be leaves or branch folders."""
    counts = source.status_counts(store, run_ids=run_ids)
    if not wanted:
        return counts
    prefixes = [w.strip("/") for w in wanted if w.strip("/")]
    picked = {
        leaf: by
        for leaf, by in counts.items()
        if any(leaf == p or leaf.startswith(p + "/") for p in prefixes)
    }
    missing = [p for p in prefixes if not any(leaf == p or leaf.startswith(p + "/") for leaf in counts)]
    if missing:
        raise UsageError(
            f"no generated samples under {', '.join(missing)} in the selected runs; nothing to export"
        )
    return picked


def check_exportable(counts: dict[str, dict[str, int]], options: ExportOptions) -> int:
    """How many samples the export will hold; UsageError with the reason when there are none."""
    runs = ", ".join(map(str, options.run_ids))
    if not counts:
        where = f"run {runs}" if options.run_ids else "the workspace"
        raise UsageError(f"no generated samples in {where}; generate a run first. Nothing to export")
    wanted = statuses_exported(options.include_unreviewed)
    total = sum(by.get(s, 0) for by in counts.values() for s in wanted)
    if total == 0:
        new = sum(by.get("new", 0) for by in counts.values())
        rejected = sum(by.get("rejected", 0) for by in counts.values())
        # Said to the CLI and the Export page alike: the page's checkbox and the flag, by name.
        hint = (
            ", or include the samples nobody reviewed (--include-unreviewed)"
            if new and not options.include_unreviewed
            else ""
        )
        raise UsageError(
            f"nothing accepted to export: {new:,} samples not reviewed, {rejected:,} rejected; "
            f"accept samples on the Review page{hint}"
        )
    return total


def check_out(out: Path, taxonomy_root: Path) -> None:
    """Refuse a target that is a file, a folder that is not a labui export, or inside the taxonomy."""
    real, root = out.resolve(), taxonomy_root.resolve()
    inside = real == root or root in real.parents
    if inside and (root / WORKSPACE_DIR) not in (real, *real.parents):
        raise UsageError(f"{out} is inside the taxonomy repository; export somewhere outside it")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UsageError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        try:
            marker = json.loads((out / "quality.json").read_text("utf-8")).get("generator")
        except (OSError, ValueError, AttributeError):
            marker = None
        if marker != MARKER:
            raise UsageError(f"{out} holds files that are not a labui export; choose an empty or new folder")


def _temp_name(out: Path, what: str) -> Path:
    return out.parent / f".{out.name}.labui-{what}-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"


def recover(out: Path) -> None:
    """Undo what a killed export left beside `out`: restore a moved-aside old export, drop temp folders."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.labui-(export|old)-(\d+)-[0-9a-f]{{8}}\.tmp$")
    with contextlib.suppress(FileNotFoundError):
        for entry in sorted(os.scandir(out.parent), key=lambda e: e.name):
            m = pattern.match(entry.name)
            if not m or pid_alive(int(m.group(2))) or not entry.is_dir(follow_symlinks=False):
                continue
            if m.group(1) == "old" and not out.exists():
                os.rename(entry.path, out)
            else:
                shutil.rmtree(entry.path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return int(fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)) == 0


def _into_place(tmp: Path, out: Path) -> None:
    with folder_lock(out.parent):
        if not out.exists():
            os.rename(tmp, out)
        elif _exchange(tmp, out):
            shutil.rmtree(tmp)  # now the old export
        else:
            old = _temp_name(out, "old")
            os.rename(out, old)  # a kill here is undone by `recover` on the next export
            os.rename(tmp, out)
            shutil.rmtree(old)
        fsync_dir(out.parent)


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _check(cancel: Cancel, seen: int, total: int) -> None:
    if cancel():
        raise JobCancelled(f"export cancelled after {seen:,} of {total:,} samples; nothing was written")


def _write_rows(
    store: Store,
    tmp: Path,
    options: ExportOptions,
    leaf_filter: tuple[str, ...],
    taxonomy_leaves: dict[str, Leaf],
    figures: Figures,
    progress: Progress | None,
    total: int,
    cancel: Cancel | None = None,
) -> list[str]:
    """Stream the selection into the data files (one pass; figures gathered on the way)."""
    wanted = set(statuses_exported(options.include_unreviewed))
    gates_by_run: dict[int, tuple[str, ...]] = {}
    files: list[str] = []
    with contextlib.ExitStack() as stack:
        jsonl = None
        if "jsonl" in options.files:
            jsonl = stack.enter_context(open(tmp / "train.jsonl", "w", encoding="utf-8", newline="\n"))
            files.append("train.jsonl")
        parquet = None
        if "parquet" in options.files:
            parquet = ParquetRows(tmp / "train.parquet", options.batch)
            stack.callback(parquet.close)
            files.append("train.parquet")
        seen = 0
        for item in source.iter_items(
            store, run_ids=options.run_ids, leaves=leaf_filter, batch=options.batch
        ):
            exported = item.status in wanted
            figures.add(item, exported=exported, question=texts(item)[0])
            seen += 1
            if cancel is not None and seen % CANCEL_EVERY == 0:
                _check(cancel, seen, total)
            if progress is not None and seen % PROGRESS_EVERY == 0:
                progress(figures.exported, total)
            if not exported:
                continue
            s = item.sample
            if s.run_id not in gates_by_run:
                gates_by_run[s.run_id] = source.gates_run(store, s.run_id)
            leaf = taxonomy_leaves.get(s.leaf_path)
            row = to_row(
                item,
                system_prompt=options.system_prompt,
                gates_run=gates_by_run[s.run_id],
                domain=leaf.domain if leaf is not None else None,
            )
            if jsonl is not None:
                jsonl.write(jsonl_line(row))
            if parquet is not None:
                parquet.add(row)
    for name in files:
        _fsync(tmp / name)
    return files


def _write_figures(
    store: Store,
    tmp: Path,
    options: ExportOptions,
    taxonomy: Taxonomy,
    figures: Figures,
    files: list[str],
    today: dt.date | None,
) -> tuple[dict[str, Any], list[str]]:
    """quality.json, the plot and README.md; returns the figures and every file of the export."""
    leaves = figures.per_leaf
    result = figures.result(agreement=source.agreement(store, leaves=tuple(leaves)))
    result = {"generator": MARKER, "system_prompt": options.system_prompt, "files": list(files), **result}
    measured = source.diversity(store, run_ids=options.run_ids)
    for path, leaf_figures in result["per_leaf"].items():
        leaf_figures["embedding_diversity"] = measured.get(path, [])
    plot = "per_leaf.png" if per_leaf_png(result["per_leaf"], tmp / "per_leaf.png") else None
    licenses = {}
    for path in result["per_leaf"]:
        leaf = taxonomy.leaf(path)
        licenses[path] = card.leaf_license(leaf.attribution if leaf is not None else None)
    result["licenses"] = licenses
    all_files = [*files, "README.md", "quality.json", *([plot] if plot else [])]
    (tmp / "quality.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    readme = card.render_card(
        result,
        title=f"{taxonomy.root.name} synthetic training set",
        licenses=licenses,
        files=all_files,
        date=(today or dt.datetime.now(dt.UTC).date()).isoformat(),
        system_prompt=options.system_prompt,
        plot=plot,
    )
    (tmp / "README.md").write_text(readme, "utf-8")
    for name in all_files[len(files) :]:
        _fsync(tmp / name)
    fsync_dir(tmp)
    return result, all_files


def export_dataset(
    store: Store,
    taxonomy: Taxonomy,
    out: Path,
    options: ExportOptions,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    today: dt.date | None = None,
) -> ExportResult:
    """Write the export folder `out` (replacing an earlier export there whole) and say what it holds.

    UsageError before anything is written: nothing to export (with the reason), a bad target or file
    kind. WorkspaceError when the disk refuses a write; the earlier export is then left as it was.
    JobCancelled when `cancel` says so before the export is swapped into place: nothing is written.
    """
    unknown = sorted(set(options.files) - set(FILE_KINDS))
    if unknown or not options.files:
        raise UsageError(
            f"unknown export file kind {', '.join(unknown) or '(none)'}; use jsonl and/or parquet"
        )
    out = Path(out).absolute()
    check_out(out, taxonomy.root)
    counts = select_leaves(store, options.run_ids, options.leaves)
    total = check_exportable(counts, options)
    taxonomy_leaves = {leaf.path: leaf for leaf in taxonomy.leaves}
    seed_questions = {
        path: [qa.question for seed in leaf.seeds for qa in seed.pairs]
        for path, leaf in taxonomy_leaves.items()
    }
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        tmp = _temp_name(out, "export")
        tmp.mkdir()
    except OSError as exc:
        raise UsageError(f"cannot write beside {out}: {write_fault(exc)}") from exc
    done = False
    try:
        figures = Figures(seed_questions, include_unreviewed=options.include_unreviewed)
        leaf_filter = tuple(counts) if options.leaves else ()  # no IN list when every leaf is wanted
        files = _write_rows(
            store, tmp, options, leaf_filter, taxonomy_leaves, figures, progress, total, cancel
        )
        if figures.exported == 0:  # decided otherwise between the count and the read
            raise UsageError("nothing accepted to export any more (decisions changed during the export)")
        result, all_files = _write_figures(store, tmp, options, taxonomy, figures, files, today)
        if progress is not None:
            progress(figures.exported, total)
        if cancel is not None:
            _check(cancel, total, total)  # the last moment a cancel can still leave everything as it was
        _into_place(tmp, out)
        done = True
    except OSError as exc:
        raise WorkspaceError(f"could not write the export {out}: {write_fault(exc)}") from exc
    finally:
        if not done:
            shutil.rmtree(tmp, ignore_errors=True)
    per_leaf = {path: leaf["exported"] for path, leaf in result["per_leaf"].items() if leaf["exported"]}
    return ExportResult(out, figures.exported, per_leaf, all_files, result)
