"""The stat index of a validated tree: an unchanged tree is answered from file stats, as git does.

After a run that has the whole tree's report, the index keeps, beside that report, each leaf's
`qna.yaml` path and the stat of it and of its `attribution.txt` (inode, size, mtime and ctime in
nanoseconds). The next run walks the tree and lstat()s those files; when every stat, the rules and
the size cap are as kept, the kept report is the answer: nothing is read, hashed or validated.

Why a stat can be trusted here: every write to a file sets its ctime to the current time, and no
program can set a ctime back. Stats are taken before any file is read, so a report never describes
older bytes than its stats. A file whose mtime or ctime lies within RACY_NS of that moment could
still change within the same timestamp tick without its stat changing ("racily clean", in git's
words), so a tree holding one is not indexed this time (the verdict cache, keyed by content,
answers it). Links and anything but regular files are never indexed: reading decides what they are.
A missing, damaged or foreign index is a miss. Light on purpose, like walk.py.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from labui.errors import FileRefusedError
from labui.fsio import atomic_write_bytes, max_file_bytes, read_bytes_capped
from labui.taxonomy.keys import rules_version
from labui.taxonomy.report import is_report
from labui.taxonomy.walk import ATTRIBUTION_FILE, LEAF_FILE, Progress, find_leaves

INDEX_NAME = "validate-index.json"  # in the workspace; one tree per workspace is indexed
FORMAT = 1  # bump when the index or the report changes shape
RACY_NS = 2_000_000_000  # timestamp ticks are ns on ext4 and xfs, but up to 2 s on FAT
MAX_INDEX_BYTES = 256 * 1024 * 1024

Entry = list[Any]  # [qna.yaml path, ino, size, mtime_ns, ctime_ns, then the same four for the attribution]


class Probe(NamedTuple):
    """One look at a tree: its leaves, their stats (None: not indexable), when the stats were taken,
    and the kept report when the index matched (None: validate, reusing `files`)."""

    files: list[Path]
    entries: list[Entry] | None
    stamp_ns: int
    report: dict[str, Any] | None


def _stat_of(path: str) -> list[int] | None:
    """ino, size, mtime_ns and ctime_ns of a regular file; [] when missing; None for anything else."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return []
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _entries(files: list[Path]) -> list[Entry] | None:
    out: list[Entry] = []
    cut = len(LEAF_FILE)
    for file in files:
        qna = str(file)
        own = _stat_of(qna)
        att = _stat_of(qna[:-cut] + ATTRIBUTION_FILE)
        if not own or att is None:
            return None
        out.append([qna, *own, *att])
    return out


def _conditions() -> str:
    """What a kept report depends on besides the files: the rules and the size cap."""
    return f"{rules_version()};cap={max_file_bytes()}"


def probe(root: Path, index: Path | None, progress: Progress | None = None) -> Probe:
    """Walk `root` (checked by walk.check_root) and stat its leaves; with `index` (the index file),
    the kept report when nothing changed since it was kept."""
    stamp = time.time_ns()
    files = find_leaves(root, progress)
    if index is None:
        return Probe(files, None, stamp, None)
    entries = _entries(files)
    return Probe(files, entries, stamp, _kept(index, root, entries) if entries is not None else None)


def _kept(index: Path, root: Path, entries: list[Entry]) -> dict[str, Any] | None:
    try:
        doc = json.loads(read_bytes_capped(index, cap=MAX_INDEX_BYTES))
    except (OSError, ValueError, FileRefusedError):
        return None  # none yet, unreadable, damaged, or not a regular file
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("root") != str(root):
        return None
    if doc.get("leaves") != entries or doc.get("conditions") != _conditions():
        return None
    report = doc.get("report")
    return report if is_report(report, len(entries)) else None


def keep(index: Path, root: Path, seen: Probe, report: Mapping[str, Any]) -> bool:
    """Keep `report` as the answer for the stats `seen` took before the tree was read; not when a file
    is racily clean or not indexable (False). The workspace folder must exist. Raises OSError."""
    if seen.entries is None:
        return False
    racy_from = seen.stamp_ns - RACY_NS
    for e in seen.entries:
        if max(e[3], e[4], *e[7:9]) >= racy_from:
            return False
    doc = {
        "format": FORMAT,
        "root": str(root),
        "conditions": _conditions(),
        "leaves": seen.entries,
        "report": report,
    }
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    atomic_write_bytes(index, data, durable=False)  # a cache: one lost in a crash is only rebuilt
    return True
