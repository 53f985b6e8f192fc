"""Drafts belong to their owner: two sessions never overwrite each other's unsaved edits; a second
one sees the first one's draft and may take it over or start fresh; opening is not editing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import labui.editing as editing
from labui.editing import drafts
from labui.store import Store
from labui.store.db import DB_NAME
from labui.taxonomy.load import load_taxonomy

HAIKU = "compositional_skills/writing/poetry/haiku"
ONE = drafts.Owner.session("1111aaaa-session")
TWO = drafts.Owner.session("2222bbbb-session")


def test_two_sessions_keep_their_own_drafts_and_see_each_other(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    disk = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    _, first = editing.open_leaf(sample_taxonomy, HAIKU)
    _, second = editing.open_leaf(sample_taxonomy, HAIKU)
    assert not drafts.is_edited(first, disk)  # opening is not editing: nothing to keep
    first.seeds[0].answer = "First session's answer\n"
    second.seeds[1].answer = "Second session's answer\n"
    assert drafts.is_edited(first, disk)
    drafts.save_draft(store, first, ONE)
    drafts.save_draft(store, second, TWO)
    mine = drafts.load_draft(store, HAIKU, ONE, disk)
    theirs = drafts.load_draft(store, HAIKU, TWO, disk)
    assert mine is not None and mine[0].seeds[0].answer == "First session's answer\n"
    assert theirs is not None and theirs[0].seeds[1].answer == "Second session's answer\n"
    assert mine[0].seeds[1].answer != "Second session's answer\n"
    seen = drafts.others(store, HAIKU, ONE)
    assert [(d.owner, d.owner_label) for d in seen] == [(TWO.id, TWO.label)]
    assert "2222bbbb" in seen[0].owner_label and seen[0].when().endswith("UTC")


def test_take_over_moves_the_draft_and_start_fresh_leaves_it(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    disk = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    _, model = editing.open_leaf(sample_taxonomy, HAIKU)
    model.seeds[0].answer = "Left by session one\n"
    drafts.save_draft(store, model, ONE)
    # Session two starts fresh: session one's draft is still there for it.
    assert drafts.load_draft(store, HAIKU, TWO, disk) is None
    assert [d.owner for d in drafts.others(store, HAIKU, TWO)] == [ONE.id]
    # Then takes it over: it is now session two's, and session one has none.
    assert drafts.take_over(store, HAIKU, ONE.id, TWO)
    taken = drafts.load_draft(store, HAIKU, TWO, disk)
    assert taken is not None and taken[0].seeds[0].answer == "Left by session one\n"
    assert drafts.load_draft(store, HAIKU, ONE, disk) is None
    assert drafts.others(store, HAIKU, TWO) == []
    assert not drafts.take_over(store, HAIKU, ONE.id, TWO)  # gone: nothing to take


def test_a_draft_round_trips_byte_for_byte_and_marks_only_new_seeds(sample_taxonomy: Path) -> None:
    store = Store.for_taxonomy(sample_taxonomy)
    disk = load_taxonomy(sample_taxonomy).leaf(HAIKU)
    assert disk is not None
    _, model = editing.open_leaf(sample_taxonomy, HAIKU)
    model.add_seed().question = "A new one?"
    drafts.save_draft(store, model, ONE)
    loaded = drafts.load_draft(store, HAIKU, ONE, disk)
    assert loaded is not None
    again, _ = loaded
    assert again.to_text() == model.to_text()
    assert [s.changed for s in again.seeds] == [False] * len(disk.seeds) + [True]


def test_drafts_of_an_older_workspace_are_kept_as_an_earlier_sessions(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path)
    from labui.store import drafts as area

    db.executescript(area.MIGRATIONS[0] + area.MIGRATIONS[1])
    db.execute("INSERT INTO drafts VALUES ('a/b', NULL, 'created_by: me\n', 1.0)")
    db.execute("INSERT INTO editor_draft_meta VALUES ('a/b', 'freeform_skill', 'Title: x\n', NULL)")
    db.execute("CREATE TABLE schema_migrations (area TEXT, number INTEGER, PRIMARY KEY (area, number))")
    db.execute("INSERT INTO schema_migrations VALUES ('drafts', 1), ('drafts', 2)")
    db.commit()
    db.close()
    store = Store(path)
    [info] = drafts.list_drafts(store)
    assert (info.leaf_path, info.owner, info.kind) == ("a/b", "earlier", "freeform_skill")
    assert "earlier session" in info.owner_label
