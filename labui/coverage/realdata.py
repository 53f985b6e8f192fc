"""The user's real data for coverage: JSONL, CSV or parquet files, one text per record.

A text field is a key, or a dotted path into nested records (`instances.input` reads the `input` of
every element of the `instances` list). Several fields are joined with a newline. Problems that make
a file unusable (not JSON, no such field) are `UsageError`s naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labui.errors import UsageError

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# Tried in order when no field is named: the usual names of the request in instruction datasets.
GUESS_FIELDS = ("instruction", "prompt", "question", "text", "input", "query")
_MISSING = object()


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


def _jsonl_records(data: bytes, name: str) -> Iterator[tuple[int, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{name}:{line}: not valid UTF-8") from exc
    stripped = text.lstrip()
    if stripped.startswith("["):  # a .json file holding one array of records
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
        for i, rec in enumerate(doc, start=1):
            yield i, rec
        return
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name}:{lineno}: not valid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(rec, Mapping):
            raise UsageError(f"{name}:{lineno}: expected a JSON object per line, found {type(rec).__name__}")
        yield lineno, rec


def _csv_records(data: bytes, name: str) -> Iterator[tuple[int, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{name}:{line}: not valid UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise UsageError(f"{name}:1: empty CSV file (no header row)")
    try:
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
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise UsageError(f"{name}: not a readable parquet file: {exc}") from exc
    # Rows count from 1, like lines, so messages read the same for every format.
    yield from enumerate(table.to_pylist(), start=1)


def load_bytes(data: bytes, name: str, fields: Sequence[str] = (), start: RealData | None = None) -> RealData:
    """Records of one file given as bytes (an upload); `name` picks the format by its suffix."""
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise UsageError(f"{name}: unknown file type; use .jsonl, .json, .csv or .parquet")
    reader = {"jsonl": _jsonl_records, "csv": _csv_records, "parquet": _parquet_records}[fmt]
    out = start if start is not None else RealData(fields=tuple(fields))
    chosen = tuple(fields) or out.fields
    for line, rec in reader(data, name):
        if not chosen:
            chosen = (guess_field(rec, name),)
            out.fields = chosen
        out.texts.append(_text(rec, chosen, name, line))
        out.sources.append((name, line))
    return out


def load_files(paths: Sequence[str | Path], fields: Sequence[str] = ()) -> RealData:
    """All records of all files, in order; the index of an item is its position across the files."""
    if not paths:
        raise UsageError("no data files given")
    out = RealData(fields=tuple(fields))
    for p in paths:
        path = Path(p).expanduser()
        if not path.is_file():
            raise UsageError(f"{path}: data file not found")
        load_bytes(path.read_bytes(), str(path), fields, start=out)
    if not out.texts:
        raise UsageError(f"no records in {', '.join(str(p) for p in paths)}")
    return out
