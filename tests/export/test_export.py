"""Exporting a reviewed workspace: the files, what is in them and what is not, determinism, refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.parquet as pq
import pytest
import yaml

from labui.errors import UsageError
from labui.export.messages import MESSAGES_SCHEMA
from labui.export.writer import ExportOptions, export_dataset
from labui.store.db import Store
from labui.store.review import decide
from labui.taxonomy import Taxonomy
from tests.export.support import CSV, HAIKU, SOLAR, Workspace, build, read_jsonl

DAY = dt.date(2026, 12, 1)


def run_export(store: Store, taxonomy: Taxonomy, out: Path, **options: Any) -> dict[str, Any]:
    result = export_dataset(store, taxonomy, out, ExportOptions(**options), today=DAY)
    return result.to_json()


def test_export_writes_every_file_with_only_accepted_and_edited(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = run_export(store, taxonomy, out)
    assert result["samples"] == 9 and result["per_leaf"] == {CSV: 3, HAIKU: 3, SOLAR: 3}
    assert sorted(p.name for p in out.iterdir()) == sorted(result["files"])
    assert {p.name for p in out.iterdir()} == {
        "train.jsonl",
        "train.parquet",
        "README.md",
        "quality.json",
        "per_leaf.png",
    }
    rows = read_jsonl(out / "train.jsonl")
    for row in rows:
        jsonschema.validate(row, MESSAGES_SCHEMA)
    metas = [json.loads(str(r["metadata"])) for r in rows]
    exported_ids = {m["sample_id"] for m in metas}
    accepted = {ids[i] for ids in reviewed.ids.values() for i in (0, 1, 2)}
    assert exported_ids == accepted  # rejected (3) and unreviewed (4, 5) never leave
    assert [m["sample_id"] for m in metas] == sorted(exported_ids)  # stable order
    edited = {m["leaf_path"]: m for m in metas if m["edited"]}
    assert set(edited) == {HAIKU, CSV, SOLAR}
    csv_row = next(r for r, m in zip(rows, metas, strict=True) if m["edited"] and m["leaf_path"] == CSV)
    assert csv_row["messages"][1]["content"] == f"Edited context.\n\nEdited question of {CSV}?"  # type: ignore[index]
    for m in metas:  # provenance of every row
        assert m["run_id"] == reviewed.run_id and m["teacher_model"] == "granite-teacher"
        assert m["prompt_version"] == "p1" and m["seed_ids"] == [1, 2, 3] and m["reviewer"] in ("ana", "bo")
        assert m["review_status"] in ("accepted", "edited") and isinstance(m["decided_at"], float)
        assert (m["original_sha256"] is not None) == m["edited"]
    dup = next(m for m in metas if m["sample_id"] == reviewed.ids[HAIKU][1])
    assert dup["gates_overridden"] == ["near_duplicate"] and dup["gates_passed"] == ["empty", "pii"]
    knowledge = [r for r, m in zip(rows, metas, strict=True) if m["kind"] == "knowledge"]
    assert knowledge and all(r["unmask"] is True for r in knowledge)
    assert all(m["domain"] == "Astronomy" for m in metas if m["kind"] == "knowledge")


def test_parquet_holds_the_same_rows_with_metadata_as_columns(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    run_export(store, taxonomy, out)
    rows = read_jsonl(out / "train.jsonl")
    table = pq.read_table(out / "train.parquet")
    assert table.column_names == ["id", "messages", "metadata", "unmask"]
    frame = table.flatten().to_pandas()  # metadata.leaf_path, metadata.reviewer, … as their own columns
    assert list(frame["id"]) == [r["id"] for r in rows]
    assert list(frame["metadata.sample_id"]) == [json.loads(str(r["metadata"]))["sample_id"] for r in rows]
    assert table.to_pylist()[0]["messages"] == rows[0]["messages"]
    assert set(frame["metadata.review_status"]) == {"accepted", "edited"}


def test_datasets_loads_the_jsonl(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "export"
    run_export(store, taxonomy, out)
    ds = datasets.load_dataset(
        "json", data_files=str(out / "train.jsonl"), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert ds.num_rows == 9 and ds[0]["messages"][0]["role"] == "system"
    ds2 = datasets.load_dataset(
        "parquet", data_files=str(out / "train.parquet"), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert ds2.num_rows == 9 and ds2[0]["id"] == ds[0]["id"]
    assert ds2[0]["metadata"]["leaf_path"] == json.loads(ds[0]["metadata"])["leaf_path"]


def test_same_decisions_give_byte_identical_data_files(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    run_export(store, taxonomy, a)
    export_dataset(store, taxonomy, b, ExportOptions(), today=dt.date(2030, 1, 1))
    for name in ("train.jsonl", "train.parquet", "quality.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert "2026-12-01" in (a / "README.md").read_text() and "2030-01-01" in (b / "README.md").read_text()
    decide(store, reviewed.ids[HAIKU][4], "accepted", reviewer="ana")  # a new decision changes the data
    run_export(store, taxonomy, b)
    assert (a / "train.jsonl").read_bytes() != (b / "train.jsonl").read_bytes()


def test_include_unreviewed_adds_new_samples_and_the_card_says_so(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = run_export(store, taxonomy, out, include_unreviewed=True)
    assert result["samples"] == 15
    statuses = {json.loads(str(r["metadata"]))["review_status"] for r in read_jsonl(out / "train.jsonl")}
    assert statuses == {"accepted", "edited", "new"}
    card = (out / "README.md").read_text()
    assert "nobody has reviewed yet" in card and "include-unreviewed" in card
    assert json.loads((out / "quality.json").read_text())["include_unreviewed"] is True
    plain = tmp_path / "plain"
    run_export(store, taxonomy, plain)
    assert "nobody has reviewed yet" not in (plain / "README.md").read_text()


def test_the_card_header_and_figures(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    run_export(store, taxonomy, out, system_prompt="Be brief.")
    text = (out / "README.md").read_text()
    assert text.startswith("---\n")
    head = yaml.safe_load(text.split("---\n")[1])
    assert head["task_categories"] == ["text-generation"] and "synthetic" in head["tags"]
    assert head["annotations_creators"] == ["machine-generated", "expert-generated"]
    assert head["size_categories"] == ["n<1K"]
    assert head["configs"][0]["data_files"][0]["path"] == "train.parquet"
    assert head["license"]  # from the leaves' attribution.txt
    q = json.loads((out / "quality.json").read_text())
    assert q["gates"]["near_duplicate"] == {"flagged": 1, "new": 0, "accepted": 1, "edited": 0, "rejected": 0}
    assert q["gates"]["pii"]["rejected"] == 1
    assert q["rates"]["duplicate"] == pytest.approx(1 / 9, abs=1e-6) and q["rates"]["pii"] == 0.0
    assert q["per_leaf"][HAIKU]["statuses"] == {"new": 2, "accepted": 2, "edited": 1, "rejected": 1}
    assert q["per_branch"]["compositional_skills"] == 6 and q["per_branch"]["knowledge"] == 3
    assert q["teachers"] == {"granite-teacher": 9} and q["prompt_versions"] == {"p1": 9}
    assert q["reviewers"] == {"ana": 6, "bo": 6}
    assert q["per_leaf"][HAIKU]["diversity"]["sampled"] == 3
    assert "Be brief." in text and "| near\\_duplicate | 1 | 1 | 0 | 0 | 0 |" in text
    assert (out / "per_leaf.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_user_text_in_the_card_stays_text(store: Store, taxonomy: Taxonomy, tmp_path: Path) -> None:
    from tests.export.support import add_run, add_sample

    run = add_run(store, teacher="<img src=x onerror=alert(1)>|evil")
    sid = add_sample(store, run, HAIKU, 0, teacher="<img src=x onerror=alert(1)>|evil")
    decide(store, sid, "accepted", reviewer="[click](http://evil.example)")
    out = tmp_path / "export"
    run_export(store, taxonomy, out)
    card = (out / "README.md").read_text()
    assert "<img" not in card and "[click](" not in card and "\\[click\\](http" in card
    assert "&lt;img src=x onerror=alert(1)&gt;\\|evil" in card


def test_leaf_and_branch_and_run_selection(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    assert run_export(store, taxonomy, tmp_path / "a", leaves=(HAIKU,))["per_leaf"] == {HAIKU: 3}
    result = run_export(store, taxonomy, tmp_path / "b", leaves=("compositional_skills",))
    assert result["per_leaf"] == {CSV: 3, HAIKU: 3}
    other = build(store, per_leaf=1)
    decide(store, other.ids[SOLAR][0], "accepted", reviewer="cy")
    assert run_export(store, taxonomy, tmp_path / "c", run_ids=(other.run_id,))["per_leaf"] == {SOLAR: 1}


def test_nothing_to_export_is_refused_with_the_reason(
    store: Store, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="no generated samples in the workspace"):
        run_export(store, taxonomy, tmp_path / "x")
    ws = build(store, per_leaf=2)
    decide(store, ws.ids[HAIKU][0], "rejected", reviewer="ana")
    with pytest.raises(
        UsageError,
        match=r"nothing accepted to export: 5 samples not reviewed, 1 rejected.*--include-unreviewed",
    ):
        run_export(store, taxonomy, tmp_path / "x")
    with pytest.raises(UsageError, match="no generated samples in run 999"):
        run_export(store, taxonomy, tmp_path / "x", run_ids=(999,))
    with pytest.raises(UsageError, match="no generated samples under knowledge/nowhere"):
        run_export(store, taxonomy, tmp_path / "x", leaves=("knowledge/nowhere",))
    assert not (tmp_path / "x").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".x.")]


def test_refuses_a_folder_that_is_not_an_export_and_the_taxonomy_itself(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(UsageError, match="not a labui export"):
        run_export(store, taxonomy, mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    with pytest.raises(UsageError, match="inside the taxonomy"):
        run_export(store, taxonomy, taxonomy.root / "export")
    out = tmp_path / "export"
    run_export(store, taxonomy, out)
    run_export(store, taxonomy, out, files=("jsonl",))  # an earlier export is replaced whole
    assert not (out / "train.parquet").exists() and (out / "train.jsonl").exists()
    with pytest.raises(UsageError, match="unknown export file kind csv"):
        run_export(store, taxonomy, out, files=("csv",))


def test_the_card_carries_review_agreement_and_embedding_diversity(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    from labui.store.review import Diversity, save_diversity

    decide(store, reviewed.ids[HAIKU][1], "accepted", reviewer="ana")  # bo accepted it too
    decide(store, reviewed.ids[CSV][0], "rejected", reviewer="bo")  # ana accepted it: a disagreement
    save_diversity(store, [Diversity(reviewed.run_id, HAIKU, 3, 0.81, 0.52, 0.93, 0.61, "")])
    out = tmp_path / "export"
    run_export(store, taxonomy, out)
    q = json.loads((out / "quality.json").read_text())
    by_leaf = {a["leaf"]: a for a in q["agreement"]}
    assert by_leaf[HAIKU]["reviewers"] == ["ana", "bo"] and by_leaf[HAIKU]["disagreements"] == 0
    assert by_leaf[CSV]["disagreements"] == 1
    assert q["per_leaf"][HAIKU]["embedding_diversity"][0]["vendi_per_n"] == 0.81
    card = (out / "README.md").read_text()
    assert "Cohen's kappa" in card and "0.810" in card and "0.930" in card


def test_a_sample_flagged_by_two_duplicate_gates_counts_once(
    store: Store, taxonomy: Taxonomy, reviewed: Workspace, tmp_path: Path
) -> None:
    from labui.store.review import Flag, replace_flags

    sid = reviewed.ids[HAIKU][1]
    replace_flags(
        store, [sid], [Flag(sid, "exact_duplicate", "same", 1.0, 1), Flag(sid, "near_duplicate", "x", 0.9, 1)]
    )
    out = tmp_path / "export"
    run_export(store, taxonomy, out)
    q = json.loads((out / "quality.json").read_text())
    assert q["rates"]["duplicate"] == pytest.approx(1 / 9, abs=1e-6)
    assert q["gates"]["exact_duplicate"]["accepted"] == 1 and q["gates"]["near_duplicate"]["accepted"] == 1
