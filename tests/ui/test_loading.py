"""A cancelled taxonomy load under AppTest: it stays cancelled, says so, and loads again on request.

The click itself (which stops a load in progress) is driven in a real browser by
tests/e2e/test_loading_e2e.py; here the callbacks and what each run shows are checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from labui.ui import nav, state
from tests.ui.support import open_app


def _leaves_metric(at: AppTest) -> str | None:
    return next((m.value for m in at.metric if m.label == "Leaves"), None)


def _cancelled(root: Path, done: int, total: int) -> dict[str, object]:
    """What the Cancel button's callback records (the counts the load had reached)."""
    return {"path": str(root.resolve()), "stage": "loading", "found": total, "done": done, "total": total}


def test_cancel_callback_keeps_the_counts_and_only_while_loading() -> None:
    def page() -> None:
        import streamlit as st

        from labui.ui import state

        if st.button("cancel", on_click=state.cancel_load):
            pass

    at = AppTest.from_function(page)
    at.session_state[state.KEY_LOADING] = {
        "path": "/x",
        "stage": "loading",
        "found": 9,
        "done": 4,
        "total": 9,
    }
    at.run()
    at.button[0].click().run()
    assert at.session_state[state.KEY_CANCELLED]["done"] == 4
    assert state.KEY_LOADING not in at.session_state
    # A click that arrives after the load ended (nothing loading) cancels nothing.
    del at.session_state[state.KEY_CANCELLED]
    at.button[0].click().run()
    assert state.KEY_CANCELLED not in at.session_state


def test_a_cancelled_load_stays_cancelled_until_load_again(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path
) -> None:
    n = len(list(sample_taxonomy.rglob("qna.yaml")))
    at = open_app(
        monkeypatch, sample_taxonomy, state={state.KEY_CANCELLED: _cancelled(sample_taxonomy, 3, n)}
    )
    message = f"Loading cancelled after 3 of {n} leaves."
    assert [w.value for w in at.sidebar.warning] == [message]
    assert any(message in w.value for w in at.main.warning), "the page says why it shows nothing"
    assert _leaves_metric(at) is None, "nothing half-loaded is shown"
    # Other reruns (here: the same run again) do not start the load again.
    at.run()
    assert _leaves_metric(at) is None and at.session_state[state.KEY_CANCELLED]
    at.button(key="tx_load_again").click().run()
    assert not at.exception
    assert _leaves_metric(at) == str(n)
    assert not at.sidebar.warning and state.KEY_CANCELLED not in at.session_state


def test_back_to_the_taxonomy_loaded_before(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path, real_taxonomy: Path
) -> None:
    at = open_app(monkeypatch, real_taxonomy)
    assert _leaves_metric(at) == "148"
    # Another folder typed, its load cancelled: the one before is one click away, still loaded.
    # (As the click's run finds it: the box holds the new folder, whose change was already handled.)
    at.session_state[nav.KEY_TAXONOMY_PATH] = str(sample_taxonomy)
    at.session_state[state.KEY_CANCELLED] = _cancelled(sample_taxonomy, 0, 9)
    at.run()
    assert _leaves_metric(at) is None
    back = at.button(key="tx_load_back")
    assert back.label.replace("\\", "") == f"Back to {real_taxonomy.name}"  # escaped: a label is markdown
    back.click().run()
    assert not at.exception
    assert _leaves_metric(at) == "148"
    assert at.sidebar.text_input(key=nav.KEY_TAXONOMY_PATH).value == str(real_taxonomy)


def test_typing_another_folder_clears_a_cancel(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path, real_taxonomy: Path
) -> None:
    n = len(list(sample_taxonomy.rglob("qna.yaml")))
    at = open_app(
        monkeypatch, sample_taxonomy, state={state.KEY_CANCELLED: _cancelled(sample_taxonomy, 1, n)}
    )
    folder = at.sidebar.text_input(key=nav.KEY_TAXONOMY_PATH)
    # The same folder again (Streamlit can report a change that is none): still cancelled.
    folder.set_value(str(sample_taxonomy) + "/").run()
    assert _leaves_metric(at) is None and at.button(key="tx_load_again")
    # Another folder: the cancel is over, there and back.
    folder.set_value(str(real_taxonomy)).run()
    assert _leaves_metric(at) == "148"
    folder.set_value(str(sample_taxonomy)).run()
    assert _leaves_metric(at) == str(n)


def test_a_big_tree_waits_for_a_click_before_its_chart(
    monkeypatch: pytest.MonkeyPatch, sample_taxonomy: Path
) -> None:
    from labui.ui import taxonomy_view

    n = len(list(sample_taxonomy.rglob("qna.yaml")))
    monkeypatch.setattr(taxonomy_view, "CHART_MAX_LEAVES", n - 1)  # "big" at the sample's size
    monkeypatch.setattr(taxonomy_view, "STYLED_ROWS_MAX", n - 1)  # the plain table, every row
    at = open_app(monkeypatch, sample_taxonomy)
    assert not at.get("plotly_chart"), "no figure built before it is asked for"
    assert _leaves_metric(at) == str(n), "the summary is there"
    (table,) = at.dataframe
    assert len(table.value) == n, "and the whole list"
    at.button(key="tx_draw_tree").click().run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    at.run()
    assert len(at.get("plotly_chart")) == 1, "drawn from then on for this folder"
