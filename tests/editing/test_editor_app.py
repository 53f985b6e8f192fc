"""The Editor page driven through Streamlit's AppTest: open, edit, validate live, save, conflicts, drafts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from labui.editing import LeafModel, drafts
from labui.store import Store
from labui.taxonomy.load import load_taxonomy
from labui.ui.editor_status import KEY_WAITED
from tests.ui.support import place

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/editor.py"
HAIKU = "compositional_skills/writing/poetry/haiku"


def _app(root: Path, query: dict[str, str] | None = None, **state: Any) -> AppTest:
    """The app on the Editor page, as a click in the navigation (or a URL with `query`) opens it."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["taxonomy_path"] = str(root)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _model(at: AppTest) -> LeafModel:
    model = at.session_state["editor.model"]
    assert isinstance(model, LeafModel)
    return model


def _key(at: AppTest, name: str) -> str:
    return f"ed.{at.session_state['editor.gen']}.{name}"


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _progress(at: AppTest) -> str:
    (bar,) = at.get("progress")
    return str(bar.proto.text)


def _markdown(at: AppTest) -> str:
    """The page's markdown as a reader sees it (user text arrives escaped: `\\_` shows as `_`)."""
    return re.sub(r"\\(.)", r"\1", "\n".join(m.value for m in at.markdown))


def test_open_edit_and_see_problems_beside_the_field(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy, editor_leaf=HAIKU)
    assert not at.exception
    assert at.subheader[0].value == HAIKU
    model = _model(at)
    assert len(model.seeds) == 6
    assert _button(at, "Save").disabled  # nothing to save yet
    seed = model.seeds[2]
    at.text_area(key=_key(at, f"s.{seed.id}.answer")).set_value("").run()
    assert "seed_examples.2.answer must not be empty" in _markdown(at)
    assert _button(at, "Save").disabled
    assert [m.value for m in at.metric if m.label == "Errors"] == ["1"]
    at.text_area(key=_key(at, f"s.{seed.id}.answer")).set_value("A new answer\nin two lines\n").run()
    assert not _button(at, "Save").disabled
    _button(at, "Save").click().run()
    assert not at.exception
    leaf = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    assert leaf is not None and leaf.errors == 0
    assert leaf.seeds[2].answer == "A new answer\nin two lines\n"
    assert any("Saved" in s.value for s in at.success)


def test_the_forms_keep_their_place_when_a_message_comes_and_goes(sample_taxonomy: Path) -> None:
    """ "Saved" shows above the forms once; on the next edit it is gone. Had the forms moved up then,
    every field would have been remounted under the cursor of the person typing."""
    at = _app(sample_taxonomy, editor_leaf=HAIKU)
    seed = _model(at).seeds[1]
    answer = _key(at, f"s.{seed.id}.answer")
    at.text_area(key=answer).set_value("A new answer").run()
    before = place(at.main, answer)
    _button(at, "Save").click().run()
    assert any("Saved" in s.value for s in at.success)
    answer = _key(at, f"s.{_model(at).seeds[1].id}.answer")  # a save opens the leaf afresh
    with_message = place(at.main, answer)
    at.text_area(key=answer).set_value("Another answer").run()
    assert not any("Saved" in s.value for s in at.success)
    after = place(at.main, answer)
    assert None not in (before, with_message, after)
    assert before == with_message == after, (before, with_message, after)


def test_seed_cards_add_duplicate_move_remove(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy, editor_leaf=HAIKU)
    first = _model(at).seeds[0]
    at.button(key=_key(at, f"dup.{first.id}")).click().run()
    seeds = _model(at).seeds
    assert len(seeds) == 7 and seeds[1].question == first.question and seeds[1].id != first.id
    assert "repeats" in _markdown(at)  # the duplicate guard sees the copy
    at.button(key=_key(at, f"down.{first.id}")).click().run()
    assert _model(at).seeds[1].id == first.id
    at.button(key=_key(at, f"del.{first.id}")).click().run()
    assert first.id not in [s.id for s in _model(at).seeds] and len(_model(at).seeds) == 6
    _button(at, "Add a seed example").click().run()
    assert len(_model(at).seeds) == 7
    assert "seed_examples.6.question must not be empty" in _markdown(at)


def test_repeat_in_other_words_is_flagged_by_meaning(sample_taxonomy: Path) -> None:
    """The duplicate guard with the real encoder: a reworded seed of another leaf, and the toggle."""
    at = _app(sample_taxonomy, editor_leaf="compositional_skills/writing/email/polite_decline")
    haiku = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    assert haiku is not None
    _button(at, "Add a seed example").click().run()
    seed = _model(at).seeds[-1]
    at.text_area(key=_key(at, f"s.{seed.id}.question")).set_value("Compose a haiku on a wet Monday morning.")
    at.text_area(key=_key(at, f"s.{seed.id}.answer")).set_value(haiku.seeds[0].answer).run()
    assert not at.exception
    # The meaning index builds in the background (the page stays usable); wait for that state.
    if KEY_WAITED in at.session_state:
        assert any("getting ready" in c.value for c in at.caption)
        at.session_state[KEY_WAITED].result(timeout=600)
        at.run()
    lines = [line for line in _markdown(at).splitlines() if "says nearly the same as" in line]
    assert len(lines) == 1 and "Seed 6" in lines[0] and "poetry/haiku" in lines[0], lines
    at.toggle(key="editor.meaning_check").set_value(False).run()
    assert "says nearly the same" not in _markdown(at)


def test_new_leaf_with_five_seeds(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy)
    at.selectbox(key="editor.new.branch").set_value("compositional_skills")
    at.text_input(key="editor.new.rest").set_value("writing/limerick")
    at.text_input(key="editor.new.created_by").set_value("me")
    _button(at, "Start editing").click().run()
    model = _model(at)
    assert model.is_new and model.path == "compositional_skills/writing/limerick"
    at.text_area(key=_key(at, "task_description")).set_value("Writing limericks").run()
    for _ in range(5):
        _button(at, "Add a seed example").click().run()
    assert _progress(at) == "enough seed examples"
    for i, seed in enumerate(_model(at).seeds):
        at.text_area(key=_key(at, f"s.{seed.id}.question")).set_value(f"Write a limerick about topic {i}.")
        at.text_area(key=_key(at, f"s.{seed.id}.answer")).set_value(f"A limerick\nabout topic {i}\n")
    at.run()
    assert not _button(at, "Save").disabled
    _button(at, "Save").click().run()
    assert not at.exception
    leaf = load_taxonomy(sample_taxonomy).leaf("compositional_skills/writing/limerick")
    assert leaf is not None and leaf.errors == 0 and leaf.seed_count == 5
    assert (sample_taxonomy / "compositional_skills/writing/limerick/attribution.txt").is_file()


def test_bad_new_leaf_name_is_refused(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy)
    at.text_input(key="editor.new.rest").set_value("../../etc")
    _button(at, "Start editing").click().run()
    assert any("must stay inside the taxonomy" in e.value for e in at.error)
    assert "editor.model" not in at.session_state or at.session_state["editor.model"] is None


def test_conflict_shows_both_versions_and_loses_nothing(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy, editor_leaf=HAIKU)
    seed = _model(at).seeds[0]
    file = sample_taxonomy / HAIKU / "qna.yaml"
    file.write_text(file.read_text().replace("labui-project", "someone-else", 1))  # another editor saved
    at.text_area(key=_key(at, f"s.{seed.id}.answer")).set_value("My own answer\n").run()
    _button(at, "Save").click().run()
    assert not at.exception
    assert "someone-else" in file.read_text() and "My own answer" not in file.read_text()
    codes = [c.value for c in at.code]
    assert any("someone-else" in c for c in codes) and any("My own answer" in c for c in codes)
    _button(at, "Save mine over the disk version").click().run()
    assert "My own answer" in file.read_text()


def test_drafts_survive_a_refresh(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy, editor_leaf=HAIKU)
    seed = _model(at).seeds[1]
    at.text_area(key=_key(at, f"s.{seed.id}.question")).set_value("An unsaved question?").run()
    # A new session (browser refresh): only the URL remains, with this tab's draft token.
    assert at.query_params["leaf"] == HAIKU and at.query_params["drafts"]
    again = _app(sample_taxonomy, {"leaf": HAIKU, "drafts": at.query_params["drafts"]})
    assert not again.exception
    assert _model(again).seeds[1].question == "An unsaved question?"
    assert any("Restored your unsaved changes" in i.value for i in again.info)
    _button(again, "Revert").click().run()
    assert _model(again).seeds[1].question != "An unsaved question?"


def test_prefill_from_coverage(sample_taxonomy: Path) -> None:
    seeds = [{"question": f"How do I convert {i} miles?", "answer": f"{i * 1.609} km"} for i in range(3)]
    at = _app(
        sample_taxonomy,
        editor_prefill={
            "path": "compositional_skills/stem/distance",
            "kind": "freeform_skill",
            "task_description": "Converting distances",
            "seeds": seeds,
        },
    )
    model = _model(at)
    assert model.is_new and len(model.seeds) == 3 and model.task_description == "Converting distances"
    assert _progress(at) == "2 more seed examples needed"


@pytest.mark.parametrize(
    "path",
    ["knowledge/science/astronomy/solar_system", "compositional_skills/extraction/receipts/total_amount"],
)
def test_every_kind_opens_clean(sample_taxonomy: Path, path: str) -> None:
    at = _app(sample_taxonomy, editor_leaf=path)
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Errors"] == ["0"]


def test_knowledge_qna_pairs_add_and_remove(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy, editor_leaf="knowledge/science/astronomy/solar_system")
    seed = _model(at).seeds[0]
    assert seed.qnas is not None
    at.button(key=_key(at, f"addq.{seed.id}")).click().run()
    assert len(_model(at).seeds[0].qnas or []) == 4
    assert "questions_and_answers.3.question must not be empty" in _markdown(at)
    for qa in (_model(at).seeds[0].qnas or [])[:2]:
        at.button(key=_key(at, f"delq.{qa.id}")).click().run()
    assert _progress(at) == "1 more Q&A pair (context 1) needed"
    assert _button(at, "Save").disabled


def test_version_1_leaf_is_upgraded_only_when_asked(real_taxonomy_copy: Path) -> None:
    path = next(
        lf.path
        for lf in load_taxonomy(real_taxonomy_copy).leaves
        if lf.version == 1 and lf.seed_count >= 5 and not lf.errors and lf.attribution is None
    )
    at = _app(real_taxonomy_copy, editor_leaf=path)
    assert _model(at).version is None
    upgrade = next(b for b in at.button if b.label.startswith("Upgrade to version"))
    upgrade.click().run()
    model = _model(at)
    assert model.version == 3 and model.attribution
    _button(at, "Save").click().run()
    assert not at.exception
    leaf = load_taxonomy(real_taxonomy_copy).leaf(path)
    assert leaf is not None and leaf.version == 3 and leaf.errors == 0
    assert (real_taxonomy_copy / path / "attribution.txt").is_file()


def test_editing_a_version_1_leaf_keeps_it_version_1(real_taxonomy_copy: Path) -> None:
    leaf = next(lf for lf in load_taxonomy(real_taxonomy_copy).leaves if lf.version == 1 and not lf.errors)
    at = _app(real_taxonomy_copy, editor_leaf=leaf.path)
    seed = _model(at).seeds[0]
    at.text_area(key=_key(at, f"s.{seed.id}.question")).set_value("A changed question?").run()
    _button(at, "Save").click().run()
    after = load_taxonomy(real_taxonomy_copy).leaf(leaf.path)
    assert after is not None and after.seeds[0].question == "A changed question?"
    assert "version" not in after.contents and list(after.contents) == list(leaf.contents)
    assert not (real_taxonomy_copy / leaf.path / "attribution.txt").exists()


def test_a_second_session_sees_the_first_ones_draft_and_takes_it_over(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    first = _app(sample_taxonomy, editor_leaf=HAIKU)
    assert drafts.list_drafts(store) == []  # opening a leaf is not editing: no draft
    seed = _model(first).seeds[1]
    first.text_area(key=_key(first, f"s.{seed.id}.question")).set_value("The first tab's question?").run()
    token = first.query_params["drafts"]
    assert [d.owner for d in drafts.list_drafts(store)] == [f"session:{token}"]

    second = _app(sample_taxonomy, editor_leaf=HAIKU)  # another tab or person: a token of its own
    assert second.query_params["drafts"] != token
    assert _model(second).seeds[1].question != "The first tab's question?"  # never someone else's edit
    notice = [w.value for w in second.warning if "unsaved changes to this leaf" in w.value]
    assert len(notice) == 1 and token[:8] in notice[0] and "UTC" in notice[0]
    _button(second, "Take it over").click().run()
    assert not second.exception
    assert _model(second).seeds[1].question == "The first tab's question?"
    assert [d.owner for d in drafts.list_drafts(store)] == [f"session:{second.query_params['drafts']}"]
    assert not [w for w in second.warning if "unsaved changes to this leaf" in w.value]

    third = _app(sample_taxonomy, editor_leaf=HAIKU)
    _button(third, "Start fresh").click().run()
    assert not [w for w in third.warning if "unsaved changes to this leaf" in w.value]
    assert _model(third).seeds[1].question != "The first tab's question?"
    assert len(drafts.list_drafts(store)) == 1  # the second tab's draft stays its own


def test_the_same_name_finds_its_draft_anywhere_and_another_name_sees_whose_it_is(
    sample_taxonomy: Path,
) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    first = _app(sample_taxonomy, {"name": "ana"}, editor_leaf=HAIKU)
    seed = _model(first).seeds[1]
    first.text_area(key=_key(first, f"s.{seed.id}.question")).set_value("Ana's question?").run()
    assert [d.owner for d in drafts.list_drafts(store)] == ["reviewer:ana"]

    # Another tab or browser (a draft token of its own) under the same name: the draft is there.
    second = _app(sample_taxonomy, user_name="ana", editor_leaf=HAIKU)
    assert second.query_params["drafts"] != first.query_params["drafts"]
    assert _model(second).seeds[1].question == "Ana's question?"
    assert any("Restored your unsaved changes" in i.value for i in second.info)
    assert not [w for w in second.warning if "unsaved changes to this leaf" in w.value]

    # Someone else: told whose draft it is and since when, never given it unasked.
    third = _app(sample_taxonomy, {"name": "bo"}, editor_leaf=HAIKU)
    assert _model(third).seeds[1].question != "Ana's question?"
    notice = [w.value for w in third.warning if "unsaved changes to this leaf" in w.value]
    assert len(notice) == 1 and "ana's draft, " in notice[0].replace("\\", "") and "UTC" in notice[0]
    assert "ana's unsaved draft" in third.selectbox(key="editor.pick").format_func(HAIKU)
    _button(third, "Take it over").click().run()
    assert _model(third).seeds[1].question == "Ana's question?"
    assert [d.owner for d in drafts.list_drafts(store)] == ["reviewer:bo"]


def test_giving_a_name_with_a_draft_open_keeps_the_draft_under_the_name(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    at = _app(sample_taxonomy, editor_leaf=HAIKU)
    seed = _model(at).seeds[1]
    at.text_area(key=_key(at, f"s.{seed.id}.question")).set_value("Before I gave my name?").run()
    assert [d.owner for d in drafts.list_drafts(store)] == [f"session:{at.query_params['drafts']}"]
    at.sidebar.text_input(key="user_name_box").set_value("ana").run()
    assert not at.exception
    assert [d.owner for d in drafts.list_drafts(store)] == ["reviewer:ana"]
    assert _model(at).seeds[1].question == "Before I gave my name?"
    at.text_area(key=_key(at, f"s.{seed.id}.question")).set_value("After I gave my name?").run()
    (draft,) = drafts.list_drafts(store)
    assert draft.owner == "reviewer:ana"
    loaded = drafts.load_draft(store, HAIKU, drafts.Owner.reviewer("ana"), None)
    assert loaded is not None and loaded[0].seeds[1].question == "After I gave my name?"


def test_a_new_leaf_above_existing_leaves_is_refused_saying_why(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy)
    at.selectbox(key="editor.new.branch").set_value("compositional_skills")
    at.text_input(key="editor.new.rest").set_value("writing/poetry")
    _button(at, "Start editing").click().run()
    assert any("already has leaves below it" in e.value.replace("\\", "") for e in at.error)
    assert "editor.model" not in at.session_state or at.session_state["editor.model"] is None
