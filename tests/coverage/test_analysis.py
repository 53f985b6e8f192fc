"""The coverage pipeline on the real July-2024 taxonomy and the 175 self-instruct tasks, real encoder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from labui.coverage.analysis import analyse, build_report
from labui.coverage.clusters import choose_k, leaf_prefill
from labui.coverage.embed import CachedEmbedder
from labui.coverage.index import seed_texts
from labui.coverage.metrics import REF_DIVERSITY, diversity, effective_seeds, gap_score
from labui.coverage.realdata import load_bytes, load_files, parse_fields
from labui.coverage.report import CoverageReport
from labui.coverage.scoring import DEFAULT_THRESHOLD
from labui.errors import UsageError
from labui.store import Store
from labui.taxonomy import load_taxonomy
from tests.coverage.support import real_encoder

HAIKU = "compositional_skills/writing/freeform/poetry/haiku"
TEMPERATURE = "compositional_skills/STEM/science/units_conversion/temperature_conversion"
PLACES = "compositional_skills/extraction/information/named_entities/places"
SENTIMENT = "compositional_skills/extraction/inference/qualitative/sentiment"


@pytest.fixture(scope="module")
def analysed(real_taxonomy: Path, seed_tasks: Path, tmp_path_factory: pytest.TempPathFactory):
    store = Store(tmp_path_factory.mktemp("cov") / "workspace.sqlite")
    embedder = CachedEmbedder(real_encoder(), store)
    data = load_files([seed_tasks], ["instruction"])
    tx = load_taxonomy(real_taxonomy)
    report, run = analyse(tx, data.texts, embedder)
    return tx, data, report, run.index(), run.vectors, run.scores, embedder


def _task(seed_tasks: Path, name: str) -> int:
    for i, line in enumerate(seed_tasks.read_text().splitlines()):
        if json.loads(line)["name"] == name:
            return i
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("task", "leaf"),
    [
        ("english_haiku_generation", HAIKU),
        ("temperature_conversion", TEMPERATURE),
        ("place_extraction", PLACES),
    ],
)
def test_plainly_right_assignments(analysed, seed_tasks: Path, task: str, leaf: str) -> None:
    report: CoverageReport = analysed[2]
    item = report.items[_task(seed_tasks, task)]
    assert item.leaf == leaf
    assert item.covered


def test_sentiment_task_has_sentiment_leaf_in_top3(analysed, seed_tasks: Path) -> None:
    item = analysed[2].items[_task(seed_tasks, "sentence_sentiment")]
    assert SENTIMENT in item.top


def test_items_in_input_order_and_consistent(analysed) -> None:
    _, data, report, *_ = analysed
    assert [it.index for it in report.items] == list(range(175))
    assert [it.text for it in report.items] == data.texts
    for it in report.items:
        assert len(it.top) == 3 and it.top[0] == it.leaf and len(set(it.top)) == 3
        assert it.similarity == it.top_similarity[0] >= it.top_similarity[1] >= it.top_similarity[2]
        assert it.covered == (it.similarity >= report.threshold)
    assert report.threshold == DEFAULT_THRESHOLD
    # The tree covers some of these general tasks but far from all (no cooking, code, bias leaves).
    assert 0.1 < report.covered / len(report.items) < 0.8


def test_uncovered_items_are_clustered(analysed) -> None:
    tx, _, report, _index, vectors, *_ = analysed
    uncovered = {it.index for it in report.items if not it.covered}
    in_clusters = [i for c in report.clusters for i in c.items]
    assert sorted(in_clusters) == sorted(uncovered)  # a partition
    leaves = {leaf.path for leaf in tx.leaves}
    folders = {p.rsplit("/", i)[0] for p in leaves for i in range(1, p.count("/") + 1)}
    suggested = [c.suggested_path for c in report.clusters]
    assert len(set(suggested)) == len(suggested)
    for c in report.clusters:
        assert c.size == len(c.items) >= 1
        assert c.key_terms and all(" " not in t for t in c.key_terms)
        assert c.nearest_leaf in leaves and c.nearest_branch in folders
        assert c.suggested_path.startswith(c.nearest_branch + "/") and c.suggested_path not in leaves
        # Examples are the members closest to the cluster's centre, best first.
        members = vectors[c.items]
        centre = members.mean(axis=0)
        closeness = {report.items[i].text: float(vectors[i] @ centre) for i in c.items}
        shown = [closeness[e] for e in c.examples]
        assert shown == sorted(shown, reverse=True)
        assert min(shown) >= sorted(closeness.values(), reverse=True)[len(shown) - 1] - 1e-4
    assert report.clusters == sorted(report.clusters, key=lambda c: (-c.size, c.suggested_path))


def test_recipe_requests_cluster_together(analysed, seed_tasks: Path) -> None:
    report = analysed[2]
    recipes = [_task(seed_tasks, n) for n in ("cooking_recipe", "recipe_by_ingredient", "cocktails")]
    assert all(not report.items[i].covered for i in recipes)
    assert len({report.items[i].cluster for i in recipes}) == 1
    cluster = report.clusters[report.items[recipes[0]].cluster]
    assert "recipe" in cluster.key_terms


def test_threshold_moves_the_split(analysed) -> None:
    _, data, report, index, vectors, scores, _ = analysed
    low = build_report(index, data.texts, vectors, scores, 0.2)
    high = build_report(index, data.texts, vectors, scores, 0.5)
    assert low.covered > report.covered > high.covered
    none = build_report(index, data.texts, vectors, scores, 1.01)
    assert none.covered == 0 and sum(c.size for c in none.clusters) == 175
    assert len(none.clusters) == choose_k(175)
    assert sum(m.demand for m in none.leaves) == 0


def test_leaf_metrics(analysed) -> None:
    tx, _, report, _index, *_ = analysed
    assert [m.path for m in report.leaves] == [leaf.path for leaf in tx.leaves]
    assert sum(m.demand for m in report.leaves) == report.covered
    by = {m.path: m for m in report.leaves}
    for leaf in tx.leaves:
        m = by[leaf.path]
        assert m.seed_count == len(seed_texts(leaf))
        assert 0.0 <= m.diversity <= 2.0 and 0.0 <= m.thinness <= 1.0 and 0.0 <= m.gap <= 1.0
        if m.seed_count < 2:
            assert m.diversity == 0.0 and m.thinness >= 0.8
    # 15 varied seeds: not thin, no gap. One seed with demand: a gap.
    general = by["foundational_skills/reasoning/logical_reasoning/general"]
    assert general.seed_count == 15 and general.thinness == 0.0 and general.gap == 0.0
    assert by[HAIKU].demand >= 1 and by[HAIKU].gap > 0.5 * by[HAIKU].thinness
    top = max(report.leaves, key=lambda m: m.gap)
    assert top.demand == max(m.demand for m in report.leaves if m.thinness == top.thinness)


def test_branch_metrics_sum_their_leaves(analysed) -> None:
    report = analysed[2]
    by = {b.path: b for b in report.branches}
    for top in ("compositional_skills", "foundational_skills", "knowledge"):
        under = [m for m in report.leaves if m.path.startswith(top + "/")]
        assert by[top].leaves == len(under)
        assert by[top].seed_count == sum(m.seed_count for m in under)
        assert by[top].demand == sum(m.demand for m in under)
        assert min(m.gap for m in under) <= by[top].gap <= max(m.gap for m in under)


def test_formulas() -> None:
    v = np.eye(3, dtype=np.float32)
    assert diversity(v) == pytest.approx(1.0)  # orthogonal: cosine distance 1
    assert diversity(np.stack([v[0], v[0]])) == pytest.approx(0.0)
    assert diversity(v[:1]) == 0.0
    assert effective_seeds(0, 0.0) == 0.0
    assert effective_seeds(5, 0.0) == 1.0  # five copies are one seed
    assert effective_seeds(5, REF_DIVERSITY) == 5.0
    assert gap_score(1.0, 0, 10) == 0.5 and gap_score(1.0, 10, 10) == 1.0 and gap_score(0.0, 10, 10) == 0.0


def test_overlap_found_when_a_leaf_is_copied(analysed, real_taxonomy_copy: Path) -> None:
    src = real_taxonomy_copy / "compositional_skills/linguistics/rhyming_words"
    dst = real_taxonomy_copy / "compositional_skills/writing/freeform/poetry/rhymes_copy"
    shutil.copytree(src, dst)
    tx = load_taxonomy(real_taxonomy_copy)
    embedder = CachedEmbedder(real_encoder(), analysed[6].store)
    report, *_ = analyse(tx, [], embedder)
    assert embedder.stats.misses == 1  # only the copy's describe text (its path words are new)
    pair = next(
        o
        for o in report.overlaps
        if {o.a, o.b}
        == {
            "compositional_skills/linguistics/rhyming_words",
            "compositional_skills/writing/freeform/poetry/rhymes_copy",
        }
    )
    assert pair.duplicate_seeds == report.leaf("compositional_skills/linguistics/rhyming_words").seed_count  # type: ignore[union-attr]
    assert pair.centroid_similarity > 0.99 and pair.example is not None and pair.example[2] > 0.99
    assert (
        "compositional_skills/writing/freeform/poetry/rhymes_copy"
        in report.leaf(  # type: ignore[union-attr]
            "compositional_skills/linguistics/rhyming_words"
        ).overlaps
    )
    assert len(report.items) == 0 and report.clusters == []


def test_cache_unchanged_tree_embeds_nothing_and_one_edit_reembeds_that_leaf(
    real_taxonomy_copy: Path, seed_tasks: Path, tmp_path: Path
) -> None:
    store = Store(tmp_path / "c.sqlite")
    texts = load_files([seed_tasks], ["instruction"]).texts
    first = CachedEmbedder(real_encoder(), store)
    analyse(load_taxonomy(real_taxonomy_copy), texts, first)
    assert first.stats.hits == 0 and first.stats.misses > 700

    second = CachedEmbedder(real_encoder(), store)
    analyse(load_taxonomy(real_taxonomy_copy), texts, second)
    assert second.stats.misses == 0 and second.stats.hits == first.stats.misses

    leaf = real_taxonomy_copy / HAIKU / "qna.yaml"
    text = leaf.read_text()
    old = "Write a haiku that captures the beauty of a single autumn leaf."
    assert old in text
    leaf.write_text(text.replace(old, "Write a haiku about a lighthouse in a storm."))
    third = CachedEmbedder(real_encoder(), store)
    analyse(load_taxonomy(real_taxonomy_copy), texts, third)
    assert third.stats.misses == 1  # the changed seed question, nothing else


def test_prefill_from_cluster(analysed) -> None:
    cluster = analysed[2].clusters[0]
    pre = leaf_prefill(cluster)
    assert pre["path"] == cluster.suggested_path and pre["kind"] == "freeform_skill"
    assert [s["question"] for s in pre["seeds"]] == cluster.examples[:5]
    assert all(s["answer"] == "" for s in pre["seeds"]) and pre["task_description"]


def test_report_json_round_trips(analysed) -> None:
    doc = json.loads(json.dumps(analysed[2].to_json()))
    assert set(doc["items"][0]) == {"index", "leaf", "top", "similarity", "covered"}
    assert len(doc["leaves"]) == 148


# --------------------------------------------------------------------------------------------------
# Real data files.


def test_self_instruct_nested_and_joined_fields(seed_tasks: Path) -> None:
    data = load_files([seed_tasks], ["instruction", "instances.input"])
    rec = json.loads(seed_tasks.read_text().splitlines()[1])
    assert data.texts[1] == rec["instruction"] + "\n" + rec["instances"][0]["input"]
    assert len(data) == 175 and data.sources[1] == (str(seed_tasks), 2)
    assert load_files([seed_tasks]).fields == ("instruction",)  # guessed
    assert parse_fields(["a,b", "c"]) == ("a", "b", "c")


def test_bad_json_line_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "data.jsonl"
    f.write_text('{"instruction": "ok"}\n\n{"instruction": "broken\n')
    with pytest.raises(UsageError, match=r"data\.jsonl:3: not valid JSON"):
        load_files([f], ["instruction"])


def test_missing_field_names_file_line_and_field(tmp_path: Path) -> None:
    f = tmp_path / "data.jsonl"
    f.write_text('{"instruction": "a"}\n{"prompt": "b"}\n')
    with pytest.raises(UsageError, match=r"data\.jsonl:2: no field 'instruction'.*prompt"):
        load_files([f], ["instruction"])


def test_csv_and_parquet(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"prompt": ["Write a haiku", "Sum 2 and 2", None], "id": [1, 2, 3]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_parquet(tmp_path / "d.parquet")
    csv_data = load_files([tmp_path / "d.csv"], ["prompt"])
    assert csv_data.texts == ["Write a haiku", "Sum 2 and 2", ""]
    assert csv_data.sources[0][1] == 2  # line 1 is the header
    pq = load_files([tmp_path / "d.parquet", tmp_path / "d.csv"], ["prompt"])
    assert pq.texts == csv_data.texts * 2  # files in order, one index space
    with pytest.raises(UsageError, match=r"d\.csv:2: no field 'text'"):
        load_files([tmp_path / "d.csv"], ["text"])


def test_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        load_files([tmp_path / "nope.jsonl"], ["x"])
    (tmp_path / "d.txt").write_text("hello")
    with pytest.raises(UsageError, match="unknown file type"):
        load_files([tmp_path / "d.txt"], ["x"])
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(UsageError, match=r"bad\.parquet: not a readable parquet"):
        load_files([tmp_path / "bad.parquet"], ["x"])
    (tmp_path / "arr.jsonl").write_text("[1, 2]\n")
    with pytest.raises(UsageError, match=r"arr\.jsonl:1"):
        load_files([tmp_path / "arr.jsonl"], ["x"])
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(UsageError, match="no records"):
        load_files([tmp_path / "empty.jsonl"], ["x"])
    with pytest.raises(UsageError, match=r"up\.csv:3: more cells"):
        load_bytes(b"a,b\n1,2\n1,2,3\n", "up.csv", ["a"])
    with pytest.raises(UsageError, match="no text field named"):
        load_bytes(b'{"foo": 1}\n', "up.jsonl")
