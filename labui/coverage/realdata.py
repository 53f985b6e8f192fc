"""The user's real data for coverage: JSONL, CSV or parquet files read as a stream of texts, one per record.

A text field is a key, or a dotted path into nested records (`instances.input` reads the `input` of
every element of the `instances` list). Several fields are joined with a newline. Problems that make
a file unusable (not JSON, no such field) are `UsageError`s naming the file, the line and the field.
Files are opened through labui.fsio (regular files only, under a size cap for data files) and JSONL
and CSV are read line by line, so memory does not grow with the file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labui.errors import FileRefusedError, UsageError
from labui.fsio import open_capped, read_bytes_capped

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# Tried in order when no field is named: the usual names of the request in instruction datasets.
GUESS_FIELDS = ("instruction", "prompt", "question", "text", "input", "query")
# Data files are much bigger than taxonomy files; LABUI_MAX_DATA_BYTES overrides this cap.
DEFAULT_MAX_DATA_BYTES = 4 * 1024**3
BATCH = 4096  # texts per batch handed to the encoder by `DataFiles.batches`
PARQUET_BATCH = 8192  # rows decoded from parquet at a time
_MISSING = object()


def max_data_bytes() -> int:
    value = os.environ.get("LABUI_MAX_DATA_BYTES", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_DATA_BYTES


@dataclass(slots=True)
class RealData:
    """Texts in input order, with where each came from (file name and 1-based line or row)."""

    texts: list[str] = field(default_factory=list)
    sources: list[tuple[str, int]] = field(default_factory=list)
    fields: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.texts)


def parse_fields(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """`--text-field a --text-field b,c` -> ("a", "b", "c")."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(f.strip() for v in values for f in v.split(",") if f.strip())


def _get(record: Any, path: str) -> Any:
    """Follow a dotted path; lists along the way fan out. `_MISSING` when any key is absent."""
    node: Any = record
    for i, key in enumerate(path.split(".")):
        if isinstance(node, list):
            rest = ".".join(path.split(".")[i:])
            values = [_get(n, rest) for n in node]
            if any(v is _MISSING for v in values):
                return _MISSING
            return [x for v in values for x in (v if isinstance(v, list) else [v])]
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(t for t in (_as_text(v) for v in value) if t)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value != value:  # NaN: an empty CSV/parquet cell
        return ""
    return str(value)


def _text(record: Any, fields: Sequence[str], name: str, line: int) -> str:
    parts = []
    for f in fields:
        value = _get(record, f)
        if value is _MISSING:
            have = ", ".join(sorted(record)) if isinstance(record, Mapping) else type(record).__name__
            raise UsageError(f"{name}:{line}: no field {f!r} in this record (it has: {have})")
        text = _as_text(value)
        if text:
            parts.append(text)
    return "\n".join(parts)


def guess_field(record: Any, name: str) -> str:
    if isinstance(record, Mapping):
        for f in GUESS_FIELDS:
            if isinstance(record.get(f), str):
                return f
    have = ", ".join(sorted(record)) if isinstance(record, Mapping) else type(record).__name__
    raise UsageError(f"{name}: no text field named; choose one with --text-field (the records have: {have})")


def _decoded(lines: Iterable[bytes], name: str) -> Iterator[str]:
    """Lines as text (a UTF-8 BOM at the start dropped), with the line number in any decoding error."""
    for lineno, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{name}:{lineno}: not valid UTF-8") from exc
        yield text


def _json(text: str, name: str, lineno: int) -> Any:
    """`text` (starting at line `lineno` of file `name`) as JSON; an error names the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{name}:{lineno + exc.lineno - 1}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from exc


def _jsonl_records(lines: Iterable[bytes], name: str) -> Iterator[tuple[int, Any]]:
    text_lines = _decoded(lines, name)
    first = True
    for lineno, raw in enumerate(text_lines, start=1):
        if not raw.strip():
            continue
        if first and raw.lstrip().startswith("["):
            # A .json file holding one array of records: it cannot be streamed, so it is read whole.
            doc = _json(raw + "".join(text_lines), name, lineno)
            if not isinstance(doc, list):
                raise UsageError(f"{name}:{lineno}: expected a JSON array of records")
            yield from enumerate(doc, start=1)
            return
        first = False
        rec = _json(raw, name, lineno)
        if not isinstance(rec, Mapping):
            raise UsageError(f"{name}:{lineno}: expected a JSON object per line, found {type(rec).__name__}")
        yield lineno, rec


def _csv_records(lines: Iterable[bytes], name: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(_decoded(lines, name))
    try:
        if not reader.fieldnames:
            raise UsageError(f"{name}:1: empty CSV file (no header row)")
        for row in reader:
            if None in row:
                raise UsageError(f"{name}:{reader.line_num}: more cells than the header has columns")
            yield reader.line_num, row
    except csv.Error as exc:
        raise UsageError(f"{name}:{reader.line_num}: not valid CSV: {exc}") from exc


def _parquet_records(data: bytes, name: str) -> Iterator[tuple[int, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        row = 0
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH):
            for rec in batch.to_pylist():
                row += 1  # rows count from 1, like lines, so messages read the same for every format
                yield row, rec
    except (pa.ArrowInvalid, OSError) as exc:
        raise UsageError(f"{name}: not a readable parquet file: {exc}") from exc


def _format(name: str) -> str:
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise UsageError(f"{name}: unknown file type; use .jsonl, .json, .csv or .parquet")
    return fmt


def _records_of_bytes(data: bytes, name: str) -> Iterator[tuple[int, Any]]:
    fmt = _format(name)
    if fmt == "parquet":
        return _parquet_records(data, name)
    lines = io.BytesIO(data)
    return _jsonl_records(lines, name) if fmt == "jsonl" else _csv_records(lines, name)


def _records_of_file(path: Path) -> Iterator[tuple[int, Any]]:
    name, fmt = str(path), _format(str(path))
    if fmt == "parquet":  # parquet needs random access; its rows are still decoded in batches
        yield from _parquet_records(read_bytes_capped(path, cap=max_data_bytes()), name)
        return
    with open_capped(path, cap=max_data_bytes()) as f:
        yield from (_jsonl_records(f, name) if fmt == "jsonl" else _csv_records(f, name))


class DataFiles:
    """Data files to read as one stream of (file, line, text), in order; the index of an item is its
    position across the files. Paths are checked when made; records are read when iterated."""

    def __init__(self, paths: Sequence[str | Path], fields: Sequence[str] = ()) -> None:
        if not paths:
            raise UsageError("no data files given")
        self.paths = [Path(p).expanduser() for p in paths]
        for path in self.paths:
            if not path.exists():
                raise UsageError(f"{path}: data file not found")
            if not path.is_file():  # a folder, a FIFO, a device: fsio would refuse it too
                raise FileRefusedError(f"{path} is not a regular file; it was not read")
            _format(str(path))
        self.fields = tuple(fields)
        self.rows = 0

    def __iter__(self) -> Iterator[tuple[str, int, str]]:
        self.rows = 0
        for path in self.paths:
            for line, rec in _records_of_file(path):
                if not self.fields:
                    self.fields = (guess_field(rec, str(path)),)
                self.rows += 1
                yield str(path), line, _text(rec, self.fields, str(path), line)
        if not self.rows:
            raise UsageError(f"no records in {', '.join(str(p) for p in self.paths)}")

    def batches(self, size: int = BATCH) -> Iterator[list[str]]:
        """The texts in lists of `size` (the last one shorter)."""
        batch: list[str] = []
        for _, _, text in self:
            batch.append(text)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def load_bytes(data: bytes, name: str, fields: Sequence[str] = (), start: RealData | None = None) -> RealData:
    """Records of one file given as bytes (an upload); `name` picks the format by its suffix."""
    out = start if start is not None else RealData(fields=tuple(fields))
    chosen = tuple(fields) or out.fields
    for line, rec in _records_of_bytes(data, name):
        if not chosen:
            chosen = (guess_field(rec, name),)
            out.fields = chosen
        out.texts.append(_text(rec, chosen, name, line))
        out.sources.append((name, line))
    return out


def load_files(paths: Sequence[str | Path], fields: Sequence[str] = ()) -> RealData:
    """All records of all files, in memory (the page, tests); the CLI streams `DataFiles` instead."""
    files = DataFiles(paths, fields)
    out = RealData()
    for name, line, text in files:
        out.texts.append(text)
        out.sources.append((name, line))
    out.fields = files.fields
    return out
