"""train.parquet: the rows of train.jsonl, written in row groups as they stream in.

Metadata is a struct of its own fields; pyarrow's ParquetWriter keeps one batch in memory at most."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# The fields of `messages.metadata`, in its order (a test keeps the two in step).
METADATA_TYPE = pa.struct(
    [
        ("leaf_path", pa.string()),
        ("kind", pa.string()),
        ("run_id", pa.int64()),
        ("sample_id", pa.int64()),
        ("slot", pa.int64()),
        ("teacher_model", pa.string()),
        ("prompt_version", pa.string()),
        ("seed_ids", pa.list_(pa.int64())),
        ("gates_passed", pa.list_(pa.string())),
        ("gates_overridden", pa.list_(pa.string())),
        ("gates_flagged", pa.list_(pa.string())),
        ("review_status", pa.string()),
        ("reviewer", pa.string()),
        ("decided_at", pa.float64()),
        ("edited", pa.bool_()),
        ("original_sha256", pa.string()),
        ("dataset", pa.string()),
        ("domain", pa.string()),
        ("sdg_document", pa.string()),
    ]
)
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("metadata", METADATA_TYPE),
        ("unmask", pa.bool_()),
    ]
)


class ParquetRows:
    """Append rows; every `batch` rows become one row group on disk."""

    def __init__(self, path: Path, batch: int) -> None:
        self.batch = batch
        self.rows: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(path, SCHEMA, compression="zstd")

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=SCHEMA))
            self.rows = []

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.writer.close()
