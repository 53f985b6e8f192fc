"""Bounded memory in the CLI's streaming analysis: a capped uniform sample of the uncovered rows for
clustering, no per-row text, and the JSON report written item by item. Real encoder, real data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from labui.coverage.analysis import Analysis, analyse
from labui.coverage.realdata import load_files
from labui.coverage.report import format_text, write_json
from labui.coverage.sample import Reservoir, sample_cap
from labui.taxonomy import load_taxonomy
from tests.coverage.support import real_encoder


def _offer_all(res: Reservoir, n: int, batch: int) -> None:
    for start in range(0, n, batch):
        rows = np.arange(start, min(n, start + batch))
        res.offer(rows, np.repeat(rows[:, None].astype(np.float32), 2, axis=1), [f"t{r}" for r in rows])


def test_reservoir_below_cap_keeps_everything_in_order() -> None:
    res = Reservoir(cap=100, dim=2)
    _offer_all(res, 70, 16)
    rows, vecs, texts = res.contents()
    assert list(rows) == list(range(70)) and texts == [f"t{r}" for r in range(70)]
    assert not res.full and list(vecs[:, 0]) == list(range(70))


def test_reservoir_over_cap_is_a_repeatable_uniform_sample() -> None:
    cap, n = 200, 5000
    counts = np.zeros(n)
    for seed in range(40):
        res = Reservoir(cap=cap, dim=2, seed=seed)
        _offer_all(res, n, 333)
        rows, vecs, texts = res.contents()
        assert res.full and len(rows) == cap == len(set(rows.tolist()))
        assert np.all(np.diff(rows) > 0) and np.array_equal(vecs[:, 0], rows)
        assert texts == [f"t{r}" for r in rows]  # each row keeps its own vector and text
        counts[rows] += 1
    again = Reservoir(cap=cap, dim=2, seed=39)
    _offer_all(again, n, 333)
    assert np.array_equal(again.contents()[0], rows)
    # Uniform: each tenth of the input holds about a tenth of the picks (8,000 in all).
    tenths = counts.reshape(10, -1).sum(axis=1)
    assert tenths.min() > 650 and tenths.max() < 950


def test_sample_cap_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABUI_COVERAGE_SAMPLE", "500")
    assert sample_cap() == 500
    monkeypatch.setenv("LABUI_COVERAGE_SAMPLE", "none")
    assert sample_cap() == 20_000


@pytest.fixture(scope="module")
def inputs(real_taxonomy: Path, seed_tasks: Path):
    return load_taxonomy(real_taxonomy), load_files([seed_tasks], ["instruction"]).texts


def test_streamed_run_keeps_no_texts_and_matches_below_the_cap(inputs) -> None:
    tx, texts = inputs
    whole, _ = analyse(tx, texts, real_encoder(), threshold=0.35)
    run = Analysis(tx, real_encoder(), keep_below=0.35, sample=len(texts))
    run.add_batches(texts[i : i + 50] for i in range(0, len(texts), 50))
    report = run.report(0.35)
    assert run.texts == [] and run.rows == len(texts) and not run.sampled
    assert report.cluster_sample is None and report.to_json() == whole.to_json()
    assert all(it.text is None for it in report.items[:5])  # the CLI's items carry no text
    assert [c.examples for c in report.clusters] == [c.examples for c in whole.clusters]


def test_over_the_cap_clusters_a_sample_and_says_so(inputs) -> None:
    tx, texts = inputs
    run = Analysis(tx, real_encoder(), keep_below=0.35, sample=40)
    run.add_batches(texts[i : i + 50] for i in range(0, len(texts), 50))
    report = run.report(0.35)
    uncovered = {it.index for it in report.items if not it.covered}
    assert len(uncovered) > 40 and run.sampled and report.cluster_sample == 40
    members = [i for c in report.clusters for i in c.items]
    assert len(members) == sum(c.size for c in report.clusters) == 40 == len(set(members))
    assert set(members) <= uncovered
    for c in report.clusters:
        assert set(c.examples) <= {texts[i] for i in c.items}  # examples are the sampled rows' own texts
        assert all(report.items[i].cluster == c.id for i in c.items)
    assert "random sample of 40" in format_text(report)
    assert report.to_json()["cluster_sample"] == 40
    # Every row is still scored and counted, sampled or not.
    assert len(report.items) == len(texts)


def test_write_json_is_json_dump_item_by_item(inputs) -> None:
    tx, texts = inputs
    report, _ = analyse(tx, texts, real_encoder())
    empty, _ = analyse(tx, [], real_encoder())
    for rep in (report, empty):
        out = io.StringIO()
        write_json(rep, out)
        assert out.getvalue() == json.dumps(rep.to_json(), indent=2, ensure_ascii=False)
