"""The Export page through Streamlit's AppTest: counts before writing, refusals, write, zip, the card."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from labui.store.db import Store
from labui.ui import export_view as view
from labui.ui.nav import KEY_SHELL_STARTED, KEY_TAXONOMY_PATH
from tests.export.support import CSV, HAIKU, SOLAR, Workspace, add_run, add_sample, build

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "export.py")


def _app(root: Path) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[KEY_SHELL_STARTED] = True
    at.session_state[KEY_TAXONOMY_PATH] = str(root)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _table(at: AppTest) -> dict[str, Any]:
    frame = at.dataframe[0].value
    return {row["leaf"]: row for row in frame.to_dict("records")}


def test_counts_then_write_then_the_card(sample_taxonomy: Path, reviewed: Workspace, tmp_path: Path) -> None:
    at = _app(sample_taxonomy)
    table = _table(at)
    assert (
        table[HAIKU]["to export"] == 3 and table[HAIKU]["rejected"] == 1 and table[HAIKU]["not reviewed"] == 2
    )
    assert at.metric[0].value == "9"
    at.checkbox(key=view.KEY_UNREVIEWED).check().run()
    assert at.metric[0].value == "15" and _table(at)[CSV]["to export"] == 5
    at.checkbox(key=view.KEY_UNREVIEWED).uncheck().run()
    at.multiselect(key=view.KEY_LEAVES).select("knowledge").run()
    assert set(_table(at)) == {SOLAR} and at.metric[0].value == "3"
    out = tmp_path / "from-the-page"
    at.text_input(key=view.KEY_OUT).set_value(str(out)).run()
    _button(at, "Write export").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert json.loads((out / "quality.json").read_text())["samples"] == 3
    assert any("Exported 3 samples" in s.value for s in at.success)
    card = at.code[0].value
    assert card == (out / "README.md").read_text().rstrip("\n") and card.startswith("---\nlicense:")


def test_zip_download_holds_the_export(sample_taxonomy: Path, reviewed: Workspace) -> None:
    at = _app(sample_taxonomy)
    _button(at, "Prepare a zip to download").click().run()
    assert not at.exception, [e.value for e in at.exception]
    done = at.session_state[view.KEY_RESULT]
    with zipfile.ZipFile(done["zip"]) as zf:
        names = sorted(Path(n).name for n in zf.namelist())
    assert names == ["README.md", "per_leaf.png", "quality.json", "train.jsonl", "train.parquet"]
    assert at.get("download_button")


def test_a_zip_too_big_for_the_browser_is_left_on_disk_with_its_path(
    sample_taxonomy: Path, reviewed: Workspace, monkeypatch: Any
) -> None:
    monkeypatch.setattr(view, "ZIP_DOWNLOAD_MAX", 100)  # the sample export's zip is a few kB
    at = _app(sample_taxonomy)
    _button(at, "Prepare a zip to download").click().run()
    assert not at.exception, [e.value for e in at.exception]
    done = at.session_state[view.KEY_RESULT]
    assert Path(done["zip"]).is_file() and not at.get("download_button")
    assert any("too big to offer through the browser" in i.value for i in at.info)


def test_nothing_accepted_shows_the_reason_and_blocks_writing(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    build(store, per_leaf=1)
    at = _app(sample_taxonomy)
    assert any("nothing accepted to export" in e.value for e in at.error)
    assert _button(at, "Write export").disabled


def test_hostile_names_stay_text(sample_taxonomy: Path, reviewed: Workspace) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    evil = "**bold** <script>alert(1)</script> ![x](http://evil.example/x.png)"
    run = add_run(store, teacher=evil)
    add_sample(store, run, HAIKU, 0, teacher=evil)
    at = _app(sample_taxonomy)
    assert not at.exception
    for md in at.markdown:
        assert "<script>" not in md.value and "](http://evil" not in md.value


def test_no_runs_says_so(sample_taxonomy: Path) -> None:
    at = _app(sample_taxonomy)
    assert any("No generation runs" in i.value for i in at.info)


def _stopped_job(outcome: str, after_s: float) -> Any:
    """An export whose run was stopped and that finishes unwinding `after_s` seconds from now."""
    job = view._ExportJob("/somewhere/out")

    def finish() -> None:
        job.outcome = outcome
        job.finished.set()

    threading.Timer(after_s, finish).start()
    return job


def test_a_stopped_export_is_reported_once_it_has_unwound(sample_taxonomy: Path, reviewed: Workspace) -> None:
    at = _app(sample_taxonomy)
    at.session_state[view.KEY_JOB] = _stopped_job("cancelled", 0.3)
    at.run()
    assert [w.value for w in at.warning] == [
        "Export cancelled: nothing was written to `/somewhere/out`; an earlier export there is as it was."
    ]
    assert "Stopping the export…" not in [i.value for i in at.info]  # replaced in place by the outcome
    assert view.KEY_JOB not in at.session_state
    at.run()  # said once
    assert not at.warning


def test_an_export_still_stopping_says_so(
    sample_taxonomy: Path, reviewed: Workspace, monkeypatch: Any
) -> None:
    monkeypatch.setattr(view, "STOP_WAIT_S", 0.1)
    at = _app(sample_taxonomy)
    job = _stopped_job("stopped", 1.0)
    at.session_state[view.KEY_JOB] = job
    at.run()
    assert any("still stopping" in i.value for i in at.info) and not at.warning
    assert job.finished.wait(30)
    at.run()  # the next run tells how it ended
    assert any("The export stopped (the page was used)" in w.value for w in at.warning)
