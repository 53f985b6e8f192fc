"""The coverage stage under size and hostile input: the capped LRU embedding cache and its migration,
`labui cache`, streamed data files, batch-by-batch analysis, progress lines, spreadsheet-safe CSV
and escaped hover text. Real encoder, real SQLite, real files."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labui.cli import main
from labui.cli.common import EXIT_OK, EXIT_USAGE
from labui.coverage import embed
from labui.coverage.analysis import Analysis, analyse
from labui.coverage.embed import CachedEmbedder
from labui.coverage.realdata import DataFiles, load_files
from labui.coverage.run import line_progress
from labui.coverage.viz import hover_text, items_frame
from labui.csvsafe import FORMULA_START, safe_cell, to_csv
from labui.errors import FileRefusedError, UsageError
from labui.fsio import sha256_text
from labui.store import Store
from labui.store import embeddings as store_embeddings
from labui.taxonomy import load_taxonomy
from tests.coverage.support import real_encoder

ROW = 384 * 4 + store_embeddings.ROW_OVERHEAD  # estimated bytes of one cached vector


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def _texts(tag: str, n: int = 5) -> list[str]:
    return [f"{tag} request number {i} about {tag}" for i in range(n)]


def _has(store: Store, texts: list[str]) -> list[bool]:
    with store.connect() as db:
        found = store_embeddings.lookup(db, embed.DEFAULT_MODEL, 384, [sha256_text(t) for t in texts])
    return [sha256_text(t) in found for t in texts]


def test_cache_evicts_least_recently_used_past_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "w.sqlite")
    clock = Clock(1_000_000)
    monkeypatch.setattr(embed, "time", clock)
    cached = CachedEmbedder(real_encoder(), store, cap_bytes=12 * ROW)
    a, b, c = _texts("alpha"), _texts("beta"), _texts("gamma")
    cached.encode(a)
    clock.now += 2 * embed.TOUCH_GRANULARITY
    cached.encode(b)
    clock.now += 2 * embed.TOUCH_GRANULARITY
    cached.encode(a)  # a is used again: now b is the least recently used
    assert cached.last.hits == 5 and cached.stats.evicted == 0
    clock.now += 2 * embed.TOUCH_GRANULARITY
    cached.encode(c)  # 15 rows > 12: evict down to 90% of the cap, oldest first
    assert _has(store, a) == [True] * 5 and _has(store, c) == [True] * 5
    assert _has(store, b) == [False] * 5
    assert cached.stats.evicted == 5
    with store.connect() as db:
        assert store_embeddings.size(db).bytes <= 12 * ROW


def test_cache_under_the_cap_evicts_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.sqlite")
    cached = CachedEmbedder(real_encoder(), store, cap_bytes=100 * ROW)
    cached.encode(_texts("alpha") + _texts("beta"))
    assert cached.stats.evicted == 0 and cached.cached_count() == 10


def test_old_cache_is_migrated_and_keeps_its_vectors(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite"
    Store(path)
    vec = np.arange(384, dtype=np.float32)
    db = sqlite3.connect(path)
    with db:  # put the workspace back to the first embeddings schema, with one row in it
        db.execute("DROP TABLE embeddings")
        db.executescript(store_embeddings.MIGRATIONS[0])
        db.execute("INSERT INTO embeddings VALUES (?, ?, ?, ?)", ("m", "abc", 384, vec.tobytes()))
        db.execute("DELETE FROM schema_migrations WHERE area = 'embeddings' AND number > 1")
    db.close()
    store = Store(path)
    assert store.schema_versions()["embeddings"] == len(store_embeddings.MIGRATIONS)
    with store.connect() as conn:
        found = store_embeddings.lookup(conn, "m", 384, ["abc"])
        without_rowid = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'embeddings'").fetchone()[0]
    assert np.array_equal(np.frombuffer(found["abc"], dtype=np.float32), vec)
    assert "WITHOUT ROWID" not in without_rowid


def test_cache_command_shows_size_and_clears(
    sample_taxonomy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    CachedEmbedder(real_encoder(), store).encode(_texts("alpha"))
    out = io.StringIO()
    assert main(["cache", str(sample_taxonomy), "--format", "json"], out) == EXIT_OK
    doc = json.loads(out.getvalue())
    assert doc["rows"] == 5 and doc["bytes"] == 5 * ROW
    assert doc["models"] == [{"model": embed.DEFAULT_MODEL, "rows": 5, "bytes": 5 * ROW}]
    out = io.StringIO()
    assert main(["cache", str(sample_taxonomy), "--clear"], out) == EXIT_OK
    assert "cleared 5 cached vectors" in out.getvalue() and ": 0 vectors" in out.getvalue()
    assert CachedEmbedder(real_encoder(), store).cached_count() == 0
    assert main(["cache", str(sample_taxonomy / "nowhere")], io.StringIO()) == EXIT_USAGE
    assert capsys.readouterr().err.startswith("labui: error:")


# --------------------------------------------------------------------------------------------------
# Data files, streamed.


def test_data_files_stream_in_batches_with_lines(tmp_path: Path) -> None:
    f = tmp_path / "big.jsonl"
    f.write_text("".join(json.dumps({"prompt": f"request {i}"}) + "\n" for i in range(10_000)))
    files = DataFiles([f])
    sizes = [len(b) for b in files.batches(4096)]
    assert sizes == [4096, 4096, 1808] and files.fields == ("prompt",) and files.rows == 10_000
    c = tmp_path / "multi.csv"
    c.write_text('text,id\n"two\nlines",1\nnext,2\n')
    assert [(line, t) for _, line, t in DataFiles([c], ["text"])] == [(3, "two\nlines"), (4, "next")]
    arr = tmp_path / "arr.json"
    arr.write_text('\n[{"text": "a"},\n {"text": "b"}]\n')
    assert load_files([arr], ["text"]).texts == ["a", "b"]
    arr.write_text('\n[{"text": "a"},\n {"text": "b"},\n {oops}]\n')  # the error is on line 4 of the file
    with pytest.raises(UsageError, match=r"arr\.json:4: not valid JSON: .* \(column 3\)"):
        load_files([arr], ["text"])


def test_data_files_refuse_fifo_and_oversize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(FileRefusedError, match="not a regular file"):
        list(DataFiles([fifo]))
    big = tmp_path / "big.jsonl"
    big.write_text('{"text": "x"}\n' * 100)
    monkeypatch.setenv("LABUI_MAX_DATA_BYTES", "100")
    with pytest.raises(FileRefusedError, match="over the 100-byte cap"):
        list(DataFiles([big]))
    with pytest.raises(UsageError, match=r"bad\.jsonl:2: not valid JSON"):
        (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{oops\n')
        monkeypatch.delenv("LABUI_MAX_DATA_BYTES")
        list(DataFiles([tmp_path / "bad.jsonl"]))


# --------------------------------------------------------------------------------------------------
# Batch by batch, keeping only what clustering needs, gives the same report as all at once.


def test_batches_keeping_only_uncovered_vectors_match_one_pass(real_taxonomy: Path, seed_tasks: Path) -> None:
    tx = load_taxonomy(real_taxonomy)
    texts = load_files([seed_tasks], ["instruction"]).texts
    embedder = real_encoder()
    whole, _ = analyse(tx, texts, embedder, threshold=0.35)
    run = Analysis(tx, embedder, keep_below=0.35)
    run.add_batches(texts[i : i + 40] for i in range(0, len(texts), 40))
    streamed = run.report(0.35)
    assert streamed.to_json() == whole.to_json()
    assert len(run.vectors) == len(texts) - whole.covered  # only the uncovered were kept
    assert run.report(0.3).covered >= whole.covered  # a lower threshold still works
    with pytest.raises(ValueError, match="kept only under"):
        run.report(0.5)


def test_line_progress_is_plain_and_throttled() -> None:
    out, clock = io.StringIO(), Clock(0.0)
    progress = line_progress(out, clock=clock.time)
    for done in range(0, 101, 10):
        progress("Embedding", done, 100)
        clock.now += 1.0
    progress("Rows", 4096, 0)
    lines = out.getvalue().splitlines()
    assert lines[0] == "labui: Embedding: 0 / 100" and lines[-2] == "labui: Embedding: 100 / 100"
    assert 3 <= len(lines) <= 5 and lines[-1] == "labui: Rows: 4,096"
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_cli_prints_progress_lines_when_not_a_terminal(
    sample_taxonomy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(json.dumps({"prompt": f"Write a poem about {w}"}) + "\n" for w in ("cats", "rain"))
    )
    assert main(["coverage", str(sample_taxonomy), "--data", str(data)], io.StringIO()) == EXIT_OK
    err = capsys.readouterr().err
    assert "labui: Embedding the taxonomy:" in err and "labui: Embedding the real data: 2" in err
    assert "labui: embedding cache:" in err


# --------------------------------------------------------------------------------------------------
# Hostile text in tables and hovers.

HOSTILE = [
    '=HYPERLINK("http://127.0.0.1:9/","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "plain",
    "![](http://127.0.0.1:9/x.png)",
]


def test_csv_cells_never_start_a_formula() -> None:
    frame = pd.DataFrame({"text": HOSTILE, "score": [-0.5, 1, 2, 3, 4, 5, 6]})
    rows = list(csv.reader(io.StringIO(to_csv(frame))))
    assert rows[0] == ["text", "score"]
    for (text, _score), original in zip(rows[1:], HOSTILE, strict=True):
        assert not text.startswith(FORMULA_START)
        assert text == original or text == "'" + original
    assert rows[1][1] == "-0.5"  # numbers stay numbers
    assert safe_cell(3) == 3 and safe_cell("ok") == "ok"


def test_report_tables_and_hovers_are_safe(real_taxonomy: Path) -> None:
    tx = load_taxonomy(real_taxonomy)
    report, _ = analyse(tx, HOSTILE, real_encoder())
    frame = items_frame(report)
    assert not any(str(t).startswith(FORMULA_START) for t in frame["text"])
    assert "'=HYPERLINK" in set(t[:11] for t in frame["text"])
    hover = hover_text('<img src="http://127.0.0.1:9/x.png"> <a href="http://x">link</a>')
    assert "<img" not in hover and "<a " not in hover and "&lt;img" in hover
