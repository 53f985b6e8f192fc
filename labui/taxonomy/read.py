"""Reading and validating one leaf: its files read safely, decoded, parsed within limits, validated.

Only regular files inside the taxonomy are read, each under the size cap (labui.fsio); a file that
is refused, or is not UTF-8, is a diagnostic on a leaf that still appears. No walking here (load.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labui.errors import FileRefusedError
from labui.fsio import sha256_bytes
from labui.taxonomy.diagnostics import Code, Diagnostic, Severity
from labui.taxonomy.model import ATTRIBUTION_FILE, LEAF_FILE, Leaf, classify, seeds_from
from labui.taxonomy.walk import LeafFiles, read_leaf_files


def rel_file(rel_dir: str) -> str:
    return f"{rel_dir}/{LEAF_FILE}" if rel_dir else LEAF_FILE


@dataclass(frozen=True, slots=True)
class RawLeaf:
    """One leaf as read from disk, before validation: what a worker needs (picklable, no I/O)."""

    rel_dir: str
    file: Path
    data: bytes
    attribution: str | None
    refused: tuple[Diagnostic, ...] = ()
    key: str = ""  # the verdict cache key of the above (keys.verdict_key); "" is never cached


def _refused(path: str, exc: FileRefusedError | OSError) -> Diagnostic:
    why = str(exc) if isinstance(exc, FileRefusedError) else f"{path} cannot be read ({exc.strerror})"
    return Diagnostic(path, 1, 1, Severity.ERROR, Code.FILE_REFUSED, why, "file")


def raw_leaf(file: Path, files: LeafFiles, key: str = "") -> RawLeaf:
    """The RawLeaf of a leaf's files as read (walk.read_leaf_files); refusals become diagnostics."""
    rel_dir = files.rel_dir
    refused: list[Diagnostic] = []
    if files.attribution_problem is not None:
        att_path = f"{rel_dir}/{ATTRIBUTION_FILE}" if rel_dir else ATTRIBUTION_FILE
        refused.append(_refused(att_path, files.attribution_problem))
    if files.data is None:
        assert files.problem is not None
        refused.insert(0, _refused(rel_file(rel_dir), files.problem))
        return RawLeaf(rel_dir, file, b"", files.attribution, tuple(refused))
    return RawLeaf(rel_dir, file, files.data, files.attribution, tuple(refused), key)


def read_leaf(root: Path, file: Path, walked: bool = False) -> RawLeaf:
    """Read one leaf's `qna.yaml` and `attribution.txt` safely; refusals become diagnostics.

    `walked`: `file` came from `find_leaves(root)`, which enters no folder link (see fsio).
    """
    return raw_leaf(file, read_leaf_files(root, file, walked))


def decode(data: bytes, rel_file: str) -> tuple[str, Diagnostic | None]:
    """Bytes to text; undecodable bytes are a diagnostic at their true position, not a crash."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return "", Diagnostic(
            rel_file, line, col, Severity.ERROR, Code.YAML_ENCODING, msg, "yaml", "encoding"
        )


def make_leaf(raw: RawLeaf, text: str, version: int, contents: Any, diagnostics: list[Diagnostic]) -> Leaf:
    contents = contents if isinstance(contents, Mapping) else {}
    seeds = seeds_from(contents)
    return Leaf(
        path=raw.rel_dir,
        file=raw.file,
        text=text,
        sha256=sha256_bytes(raw.data),
        kind=classify(raw.rel_dir, contents, seeds),
        version=version,
        contents=contents,
        seeds=seeds,
        diagnostics=diagnostics,
        attribution=raw.attribution,
    )


def build_leaf(text: str, rel_dir: str, file: Path, attribution: str | None) -> Leaf:
    """Validate `text` as the qna.yaml of the leaf at `rel_dir` and build the Leaf (no I/O)."""
    raw = RawLeaf(rel_dir, file, text.encode("utf-8"), attribution)
    return validate_raw(raw)


def validate_raw(raw: RawLeaf) -> Leaf:
    """The Leaf of one read leaf: decoded, parsed within limits, validated."""
    from labui.taxonomy.validate import validate_text

    if raw.refused and raw.refused[0].code == Code.FILE_REFUSED and raw.refused[0].path.endswith(LEAF_FILE):
        return make_leaf(raw, "", 0, None, list(raw.refused))
    path = rel_file(raw.rel_dir)
    text, problem = decode(raw.data, path)
    if problem is not None:
        return make_leaf(raw, "", 0, None, [problem, *raw.refused])
    parsed = validate_text(text, path, raw.attribution)
    diags = parsed.diagnostics
    if raw.refused:  # an attribution.txt that was refused is not also "empty"
        diags = [d for d in diags if d.code != Code.ATTRIBUTION]
    return make_leaf(raw, text, parsed.version, parsed.contents, [*diags, *raw.refused])


def load_leaf(root: Path, file: Path) -> Leaf:
    """Read and validate one leaf file under `root`."""
    return validate_raw(read_leaf(root, file))
