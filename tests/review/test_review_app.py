"""The Review page through Streamlit's AppTest: decide, undo, edit, trash and restore, bulk, safe text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from labui.review.arrival import gate_arrivals
from labui.store import Store
from labui.store.review import Filter, current_decision, decide, status_counts
from labui.ui.nav import KEY_SHELL_STARTED, KEY_TAXONOMY_PATH, KEY_USER_NAME
from tests.review.support import LEAF, add_run, add_samples, clean
from tests.ui.support import place

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "review.py")


def _app(root: Path, name: str = "ana") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[KEY_SHELL_STARTED] = True
    at.session_state[KEY_TAXONOMY_PATH] = str(root)
    at.session_state[KEY_USER_NAME] = name  # the sidebar's "Your name"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _said(boxes: Any) -> list[str]:
    """Message boxes as a reader sees them (the text arrives escaped: `\\(` shows as `(`)."""
    return [re.sub(r"\\(.)", r"\1", b.value) for b in boxes]


def _button(at: AppTest, key: str) -> Any:
    return next(b for b in at.button if b.key == key)


def test_review_flow(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    hostile = {
        "question": "<script>alert(1)</script> [x](http://evil.example)",
        "answer": "**bold** <b>no</b>",
    }
    ids = add_samples(store, run, [hostile, *clean(3)])
    at = _app(sample_taxonomy)
    texts = [t.value for t in at.text]
    assert hostile["question"] in texts and hostile["answer"] in texts  # shown as text blocks
    assert not any("<script>" in m.value for m in at.markdown)
    _button(at, "rv_accept").click().run()
    assert current_decision(store, ids[0]).status == "accepted"  # type: ignore[union-attr]
    _button(at, "rv_undo").click().run()
    assert current_decision(store, ids[0]) is None
    _button(at, "rv_reject").click().run()  # ids[0] again after the undo
    assert current_decision(store, ids[0]).status == "rejected"  # type: ignore[union-attr]
    _button(at, "rv_edit").click().run()
    at.text_area(key=f"rv_a_{ids[1]}").set_value("A better answer.")
    _button(at, "rv_save").click().run()
    dec = current_decision(store, ids[1])
    assert dec is not None and dec.status == "edited" and dec.answer == "A better answer."
    at.session_state["rv_tab"] = "Trash"  # drawn only when open
    at.run()
    _button(at, f"rv_restore_{ids[0]}").click().run()
    assert current_decision(store, ids[0]) is None
    at.number_input(key="rv_confirm").set_value(4).run()
    _button(at, "rv_bulk_reject").click().run()
    assert status_counts(store, Filter())["rejected"] == 4  # every match, the edited one too
    assert not at.exception


def test_gates_from_the_page_and_the_evidence(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    base = clean(3)
    pii = {"question": "Who to call?", "answer": "Call <b>Bob</b> at bob@example.com today."}
    ids = add_samples(store, run, [pii, *base, base[0]])
    at = _app(sample_taxonomy)
    _button(at, "rv_gates_plain").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert status_counts(store, Filter(gates=("exact_duplicate",)))["new"] == 1
    at.run()  # the focus view shows the first sample's evidence: the PII span highlighted, escaped
    shown = [m.value for m in at.markdown]
    # escaped pieces only (md_escape also breaks the e-mail autolink with a word joiner)
    assert any(":red-background[bob" in m and "example\\.com]" in m for m in shown), shown
    assert not any("<b>" in m for m in shown)
    assert any("pii" in m and "email in the answer" in m for m in shown)
    at.session_state["rv_current"] = ids[4]
    at.run()
    texts = [t.value for t in at.text]
    assert texts.count(f"{base[0]['question']}\n\n{base[0]['answer']}") >= 2  # side by side


def test_promote_to_seed_from_the_focus_view(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    answer = "The table lists three cities; Lyon has the most rain, 842 mm a year."
    ids = add_samples(store, run, [{"question": "Summarise the rainfall table.", "answer": answer}])
    decide(store, ids[0], "accepted", reviewer="ana")
    qna = sample_taxonomy / LEAF / "qna.yaml"
    at = _app(sample_taxonomy)
    _button(at, "rv_promote").click().run()
    assert answer in qna.read_text(encoding="utf-8")
    assert any(f"#{ids[0]} added to the seed examples of" in i.value for i in at.info)
    _button(at, "rv_promote").click().run()  # the same again: refused politely, nothing written
    assert qna.read_text(encoding="utf-8").count(answer) == 1
    assert any("already a seed example" in i.value for i in at.info)
    decide(store, ids[0], "rejected", reviewer="bo")  # another reviewer, between render and click
    _button(at, "rv_promote").click().run()
    # (the message is md_escaped: "\\#1 was not promoted\\: sample 1 is rejected; ...")
    assert any(
        f"#{ids[0]} was not promoted" in i.value and f"sample {ids[0]} is rejected" in i.value
        for i in at.info
    ), [i.value for i in at.info]
    assert qna.read_text(encoding="utf-8").count(answer) == 1
    assert not at.exception


def test_promote_is_offered_only_for_accepted_samples(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    add_samples(store, run, clean(1))
    at = _app(sample_taxonomy)
    assert not [b for b in at.button if b.key == "rv_promote"]


def test_a_key_pressed_while_the_next_sample_is_drawn_acts_on_that_sample(
    store: Store, sample_taxonomy: Path
) -> None:
    """Accept moves the page on to the next sample in its callback; a key pressed before the rerun
    has drawn the buttons again reaches them with what the run before gave them. Here the page is
    moved on without a rerun (as the callback does), then Reject is clicked: it must reject the
    sample now current, never the one before (which was the bug: a reject that undid an accept)."""
    run = add_run(store)
    ids = add_samples(store, run, clean(3))
    at = _app(sample_taxonomy)
    decide(store, ids[0], "accepted", reviewer="ana")
    at.session_state["rv_current"] = ids[1]  # what Accept's callback did; the buttons not yet redrawn
    _button(at, "rv_reject").click().run()
    assert current_decision(store, ids[0]).status == "accepted"  # type: ignore[union-attr]
    assert current_decision(store, ids[1]).status == "rejected"  # type: ignore[union-attr]
    assert at.session_state["rv_current"] == ids[2]


def test_the_toolbar_keeps_its_place_whatever_is_drawn_above_it(store: Store, sample_taxonomy: Path) -> None:
    """Streamlit sends a run's elements by position: a toolbar that moved down (a message, a context,
    the name box) was replaced by the text drawn at its old place and unmounted with its key bindings
    until the run reached it, so a key pressed right after the next sample showed was dropped (seen in
    CI: Reject pressed after Accept). Its place must be the same in every state of the page."""
    run = add_run(store)
    long = "A long context line. " * 60
    ids = add_samples(
        store,
        run,
        [*clean(2), {**clean(3)[2], "context": "a short context"}, {**clean(4)[3], "context": long}],
    )
    places = {}
    at = _app(sample_taxonomy)
    places["first sample, no message"] = place(at.main, "rv_accept")
    for step in ("accepted, with a message", "rejected, a context next", "marked, a long context next"):
        verb = {"accepted": "rv_accept", "rejected": "rv_reject", "marked": "rv_mark"}[step.split(",")[0]]
        _button(at, verb).click().run()
        assert not at.exception, [e.value for e in at.exception]
        places[step] = place(at.main, "rv_accept")
    assert at.session_state["rv_current"] == ids[3]
    nameless = _app(sample_taxonomy, name="")  # the name box above, the warning in the focus view
    assert [t for t in nameless.text_input if t.key == "rv_reviewer"]
    places["no name"] = place(nameless.main, "rv_accept")
    assert None not in places.values(), places
    assert len(set(places.values())) == 1, places


def test_decisions_are_recorded_under_the_sidebar_name(store: Store, sample_taxonomy: Path) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(2))
    at = _app(sample_taxonomy, name="Zoë")
    assert not [t for t in at.text_input if t.key == "rv_reviewer"]  # no second box: the sidebar's name
    assert any("Deciding as" in c.value and "Zoë" in c.value for c in at.caption)
    _button(at, "rv_accept").click().run()
    assert current_decision(store, ids[0]).reviewer == "Zoë"  # type: ignore[union-attr]


def test_without_a_name_the_page_asks_for_it_and_refuses_a_bad_one(
    store: Store, sample_taxonomy: Path
) -> None:
    run = add_run(store)
    ids = add_samples(store, run, clean(2))
    at = _app(sample_taxonomy, name="")
    assert _button(at, "rv_accept").disabled and _button(at, "rv_reject").disabled
    assert any("Give your name" in w.value for w in at.warning)
    box = at.text_input(key="rv_reviewer")
    box.set_value("b" * 70).run()
    assert at.session_state[KEY_USER_NAME] == ""
    assert any("at most 64 characters" in e.value for e in at.error)
    at.text_input(key="rv_reviewer").set_value(" bo ").run()
    assert at.session_state[KEY_USER_NAME] == "bo"  # the one name: the sidebar shows it too
    assert not [t for t in at.text_input if t.key == "rv_reviewer"]
    _button(at, "rv_reject").click().run()
    assert current_decision(store, ids[0]).reviewer == "bo"  # type: ignore[union-attr]


def test_bulk_and_gates_say_what_they_did_where_they_were_clicked(
    store: Store, sample_taxonomy: Path
) -> None:
    run = add_run(store)
    base = clean(3)
    add_samples(store, run, [*base, base[0]])
    at = _app(sample_taxonomy)
    _button(at, "rv_bulk_accept").click().run()  # no count typed: nothing changes, and the tab says why
    assert status_counts(store, Filter())["accepted"] == 0
    assert any("Nothing changed" in s and "(4) to confirm" in s for s in _said(at.tabs[3].info))
    _button(at, "rv_gates_plain").click().run()
    said = _said(at.tabs[4].info)
    assert any("4 samples checked, 1 flagged" in s and "exact_duplicate 1" in s for s in said), said
    at.number_input(key="rv_confirm").set_value(4).run()
    _button(at, "rv_bulk_accept").click().run()
    assert status_counts(store, Filter())["accepted"] == 4
    assert any("Bulk accept: 4 sample(s) changed" in s for s in _said(at.tabs[3].info))


def test_the_gates_tab_shows_the_flags_found_so_far_for_the_filter(
    store: Store, sample_taxonomy: Path
) -> None:
    """Gates ran on arrival (or from the CLI): the Gates tab says what they found without a new run."""
    run = add_run(store)
    base = clean(3)
    add_samples(
        store, run, [*base, base[0], {"question": "Mail?", "answer": "Write to bob@example.com now."}]
    )
    gate_arrivals(store)
    at = _app(sample_taxonomy)
    assert not [s for s in at.subheader if s.value == "Flags now"]  # counted only when the tab is open
    at.session_state["rv_tab"] = "Gates"
    at.run()
    assert [s for s in at.subheader if s.value == "Flags now"]
    table = at.dataframe[-1].value
    assert dict(zip(table["flag"], table["samples"], strict=True)) == {"exact_duplicate": 1, "pii": 1}
    at.text_input(key="rv_search").set_value("bob").run()  # the page filter narrows it
    table = at.dataframe[-1].value
    assert dict(zip(table["flag"], table["samples"], strict=True)) == {"pii": 1}


def test_the_queue_is_drawn_when_its_tab_is_open(store: Store, sample_taxonomy: Path) -> None:
    ids = add_samples(store, add_run(store), clean(3))
    at = _app(sample_taxonomy)
    assert not at.tabs[1].dataframe  # the focus view's runs do not query the queue
    at.session_state["rv_tab"] = "Queue"
    at.run()
    assert list(at.tabs[1].dataframe[0].value["id"]) == ids
    assert any("Pick a row to open it" in c.value for c in at.tabs[1].caption)
