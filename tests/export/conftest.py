"""Fixtures of the export tests: a copy of the sample taxonomy and a workspace with reviewed samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from labui.store.db import Store
from labui.store.gates import record_gate_run
from labui.store.review import Flag, decide, replace_flags
from labui.taxonomy import Taxonomy, load_taxonomy
from tests.export.support import CSV, HAIKU, SOLAR, Workspace, build


@pytest.fixture
def taxonomy(sample_taxonomy: Path) -> Taxonomy:
    return load_taxonomy(sample_taxonomy)


@pytest.fixture
def store(sample_taxonomy: Path) -> Store:
    """The workspace of the sample taxonomy copy (the one the CLI and the page open)."""
    return Store.for_taxonomy(sample_taxonomy)


@pytest.fixture
def reviewed(store: Store) -> Workspace:
    """Six samples per leaf. Per leaf: 0-1 accepted, 2 edited, 3 rejected, 4-5 never reviewed.
    Sample 1 of the haiku leaf was flagged as a near duplicate and accepted anyway."""
    ws = build(store)
    for leaf, ids in ws.ids.items():
        decide(store, ids[0], "accepted", reviewer="ana")
        decide(store, ids[1], "accepted", reviewer="bo")
        decide(
            store,
            ids[2],
            "edited",
            reviewer="ana",
            question=f"Edited question of {leaf}?",
            answer="Edited answer.",
            context="Edited context." if leaf != HAIKU else None,
        )
        decide(store, ids[3], "rejected", reviewer="bo", reason="wrong")
    replace_flags(
        store,
        [ws.ids[HAIKU][1], ws.ids[CSV][3]],
        [
            Flag(ws.ids[HAIKU][1], "near_duplicate", "close to #1", 0.93, ws.ids[HAIKU][0]),
            Flag(ws.ids[CSV][3], "pii", "an e-mail address", None, None),
        ],
    )
    record_gate_run(store, [ws.run_id], ["near_duplicate", "pii", "empty"])
    assert SOLAR in ws.ids
    return ws
