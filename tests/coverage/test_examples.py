"""Generated samples as coverage: a leaf's reviewed samples count as more of its examples when asked
(`--samples`, the page's choice), never in its seed metrics; the real encoder, a real store."""

from __future__ import annotations

import io
import json
from pathlib import Path

from labui.cli import main
from labui.cli.common import EXIT_OK
from labui.store import Store
from labui.store.review import decide, example_questions
from tests.review.support import LEAF, add_run, add_samples

BREAD = [
    "How long should sourdough bread dough proof before baking?",
    "What oven temperature gives sourdough bread a crisp crust?",
    "How do I feed a sourdough starter so the bread rises well?",
]
REQUEST = "How long do I let my sourdough bread rise before it goes in the oven?"


def _samples(store: Store) -> list[int]:
    run = add_run(store)
    items = [{"question": q, "answer": "A careful answer."} for q in BREAD]
    items.append({"question": "How do I knead sourdough bread dough?", "answer": "Fold and stretch it."})
    return add_samples(store, run, items)


def test_example_questions_takes_the_reviewed_questions_as_edited(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    ids = _samples(store)
    decide(store, ids[0], "accepted", reviewer="ana")
    decide(store, ids[1], "edited", reviewer="ana", question="An edited question?", answer="Yes.")
    decide(store, ids[2], "rejected", reviewer="ana")
    assert example_questions(store) == {LEAF: ["An edited question?", BREAD[0]]}  # newest first
    everyone = example_questions(store, ("new", "accepted", "edited"))
    assert everyone == {LEAF: ["How do I knead sourdough bread dough?", "An edited question?", BREAD[0]]}
    assert example_questions(store, ("new", "accepted", "edited"), per_leaf=1) == {
        LEAF: ["How do I knead sourdough bread dough?"]
    }
    assert example_questions(store, ()) == {}


def _coverage(taxonomy: Path, data: Path, samples: str) -> dict:
    out = io.StringIO()
    argv = ["coverage", str(taxonomy), "--data", str(data), "--text-field", "text", "--format", "json"]
    assert main([*argv, "--samples", samples], out) == EXIT_OK
    return json.loads(out.getvalue())


def test_accepted_samples_cover_a_request_no_seed_does(sample_taxonomy: Path, tmp_path: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    ids = _samples(store)
    for sid in ids[:3]:
        decide(store, sid, "accepted", reviewer="ana")
    data = tmp_path / "requests.jsonl"
    data.write_text(json.dumps({"text": REQUEST}) + "\n")

    seeds_only = _coverage(sample_taxonomy, data, "none")
    (item,) = seeds_only["items"]
    assert not item["covered"]  # no leaf of the sample tree is about bread
    assert all(leaf["examples"] == 0 for leaf in seeds_only["leaves"])

    with_samples = _coverage(sample_taxonomy, data, "accepted")
    (item,) = with_samples["items"]
    assert item["leaf"] == LEAF and item["covered"]
    assert item["similarity"] > seeds_only["items"][0]["similarity"] + 0.1
    by_path = {leaf["path"]: leaf for leaf in with_samples["leaves"]}
    assert by_path[LEAF]["examples"] == 3
    before = {leaf["path"]: leaf for leaf in seeds_only["leaves"]}
    # The seed metrics judge what the curator wrote: unchanged by the samples.
    for key in ("seed_count", "diversity", "effective_seeds"):
        assert by_path[LEAF][key] == before[LEAF][key]

    assert {leaf["path"]: leaf["examples"] for leaf in _coverage(sample_taxonomy, data, "all")["leaves"]}[
        LEAF
    ] == 4  # the unreviewed one too
