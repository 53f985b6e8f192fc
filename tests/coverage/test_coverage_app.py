"""The Coverage page under Streamlit's AppTest: real taxonomy, real tasks, real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labui.ui import generate_view
from labui.ui.coverage_view import (
    KEY_FIELDS,
    KEY_PATHS,
    KEY_SOURCE,
    KEY_THRESHOLD,
    SOURCE_NONE,
)

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 300  # a cold cache embeds ~900 texts on a CPU


def _coverage(monkeypatch: pytest.MonkeyPatch, taxonomy: Path) -> AppTest:
    monkeypatch.setenv("LABUI_TAXONOMY", str(taxonomy))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/coverage.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_real_data_run(monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path, seed_tasks: Path) -> None:
    at = _coverage(monkeypatch, real_taxonomy)
    # What is known without an encoder shows at once; nothing is embedded until asked.
    before = _metrics(at)
    assert before["Leaves"] == "148" and int(before["Seed questions"].replace(",", "")) > 148
    assert "Real items" not in before and not at.get("plotly_chart")
    at.text_input(key=KEY_PATHS).set_value(str(seed_tasks))
    at.text_input(key=KEY_FIELDS).set_value("instruction")
    at.button(key="cov_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    m = _metrics(at)
    assert m["Leaves"] == "148" and m["Real items"] == "175"
    covered = int(m["Covered"].rstrip("%"))
    assert 10 < covered < 80
    caption = " ".join(c.value for c in at.caption).replace("\\", "")  # markdown escapes off
    assert "all-MiniLM-L6-v2" in caption and " on " in caption and "embedded now" in caption
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert {d["type"] for c in charts for d in c["data"]} >= {"sunburst", "scattergl"}
    create = [b for b in at.button if b.label == "Create leaf from cluster"]
    assert len(create) == int(m["Uncovered clusters"]) >= 3

    # A higher threshold covers fewer items, without embedding again.
    at.slider(key=KEY_THRESHOLD).set_value(0.5).run()
    assert int(_metrics(at)["Covered"].rstrip("%")) < covered

    # "Generate for the thinnest leaves" opens the Generate page with the gap table's first leaves chosen.
    at.button(key="cov_generate_thin").click().run()
    assert not at.exception, [e.value for e in at.exception]
    chosen = at.multiselect(key=generate_view.KEY_LEAVES).value  # the page took them over
    assert len(chosen) == 10 and len(set(chosen)) == 10
    assert all(p.startswith(("compositional_skills/", "knowledge/", "foundational_skills/")) for p in chosen)
    assert [t.value for t in at.title] == ["Generate"]
    at.switch_page("pages/coverage.py").run()

    # Creating a leaf from a cluster opens the Editor on a new leaf prefilled from the cluster.
    create = [b for b in at.button if b.label == "Create leaf from cluster"]
    create[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [
        str(getattr(e, "value", "")).replace("\\", "")
        for kind in ("info", "success", "markdown", "caption")
        for e in at.get(kind)
    ]
    assert any("prefilled with" in t and "seed example" in t for t in shown), shown


def test_second_run_reuses_cache_and_bad_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, real_taxonomy: Path, tmp_path: Path
) -> None:
    at = _coverage(monkeypatch, real_taxonomy)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hello"}\n')
    at.text_input(key=KEY_PATHS).set_value(str(bad))
    at.text_input(key=KEY_FIELDS).set_value("instruction")
    at.button(key="cov_run").click().run()
    # Shown escaped (the path and field are user input): compare without the markdown escapes.
    assert any("bad.jsonl:1: no field 'instruction'" in e.value.replace("\\", "") for e in at.error)

    at.radio(key=KEY_SOURCE).set_value(SOURCE_NONE).run()
    at.button(key="cov_run").click().run()
    first = " ".join(c.value for c in at.caption)
    at.button(key="cov_run").click().run()
    second = " ".join(c.value for c in at.caption)
    assert "taxonomy only" in second and "0 embedded now" in second, (first, second)
    assert _metrics(at)["Real items"] == "0"


def test_hostile_rows_are_shown_as_text(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path, tmp_path: Path
) -> None:
    # Real-data rows that would be an image, a link and raw HTML if rendered as markdown.
    bad = [
        "![](http://127.0.0.1:9/x.png) draw me a picture please",
        "[click](http://127.0.0.1:9/) for a recipe of pancakes with syrup",
        '<img src="http://127.0.0.1:9/y.png"> bake bread with sourdough starter',
    ]
    data = tmp_path / "bad.jsonl"
    data.write_text("".join(json.dumps({"instruction": t}) + "\n" for t in bad))
    at = _coverage(monkeypatch, sample_taxonomy)
    at.text_input(key=KEY_PATHS).set_value(str(data))
    at.button(key="cov_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.slider(key=KEY_THRESHOLD).set_value(1.0).run()  # every row uncovered: all in cluster examples
    assert not at.exception, [e.value for e in at.exception]
    markdown = [str(getattr(e, "value", "")) for kind in ("markdown", "caption") for e in at.get(kind)]
    for value in markdown:
        assert "](http" not in value and "<img" not in value, value
    shown = " ".join(t.value for t in at.text)
    assert all(b.split(" ")[0] in shown for b in bad)  # the rows are there, as plain text


def test_accepted_samples_count_as_examples_when_chosen(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path, tmp_path: Path
) -> None:
    from labui.store import Store
    from labui.store.review import decide
    from labui.ui.coverage_view import KEY_SAMPLES
    from tests.coverage.test_examples import BREAD, REQUEST
    from tests.review.support import LEAF, add_run, add_samples

    store = Store.for_taxonomy(sample_taxonomy)
    ids = add_samples(store, add_run(store), [{"question": q, "answer": "An answer."} for q in BREAD])
    for sid in ids:
        decide(store, sid, "accepted", reviewer="ana")
    data = tmp_path / "requests.jsonl"
    data.write_text(json.dumps({"instruction": REQUEST}) + "\n")
    at = _coverage(monkeypatch, sample_taxonomy)
    at.text_input(key=KEY_PATHS).set_value(str(data))
    at.button(key="cov_run").click().run()
    assert _metrics(at)["Covered"] == "0%"  # seeds only: no leaf is about bread
    at.radio(key=KEY_SAMPLES).set_value("Accepted samples too")
    at.button(key="cov_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Covered"] == "100%"
    leaves = next(d.value for d in at.dataframe if "samples" in d.value.columns)
    assert dict(zip(leaves["leaf"], leaves["samples"], strict=True))[LEAF] == 3
    traces = [d for c in at.get("plotly_chart") for d in json.loads(c.proto.spec)["data"]]
    drawn = next(t for t in traces if t.get("name") == "generated samples (3)")  # on the map, with the seeds
    assert len(drawn["hovertext"]) == 3 and all("(generated)" in h for h in drawn["hovertext"])
