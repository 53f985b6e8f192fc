"""Workspace tables of editor drafts and every SQL statement that touches them.

A draft is the qna.yaml text being edited plus what the text cannot hold (kind, attribution). It
belongs to an owner (a browser session or a named reviewer): drafts are keyed by (leaf, owner), so
one tab's unsaved edit never replaces another's; a second owner sees the first one's draft and may
take it over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from labui.store.db import Store

MIGRATIONS: list[str] = [
    """
    CREATE TABLE drafts (
        leaf_path   TEXT PRIMARY KEY,      -- folder relative to the taxonomy root
        base_sha256 TEXT,                  -- sha256 of the file the draft started from (NULL: new leaf)
        text        TEXT NOT NULL,         -- the qna.yaml text being edited
        updated_at  REAL NOT NULL
    );
    """,
    """
    CREATE TABLE editor_draft_meta (
        leaf_path        TEXT PRIMARY KEY, -- as in drafts
        kind             TEXT,             -- knowledge | freeform_skill | grounded_skill
        attribution      TEXT,             -- attribution.txt text being edited (NULL: none)
        attribution_base TEXT              -- attribution.txt as it was when opened (NULL: absent)
    );
    """,
    """
    CREATE TABLE leaf_drafts (
        leaf_path        TEXT NOT NULL,    -- folder relative to the taxonomy root
        owner            TEXT NOT NULL,    -- who made it: a session id or a reviewer's name
        owner_label      TEXT NOT NULL,    -- how to name the owner to someone else
        base_sha256      TEXT,             -- sha256 of the file the draft started from (NULL: new leaf)
        text             TEXT NOT NULL,    -- the qna.yaml text being edited
        kind             TEXT,             -- knowledge | freeform_skill | grounded_skill
        attribution      TEXT,             -- attribution.txt text being edited (NULL: none)
        attribution_base TEXT,             -- attribution.txt as it was when opened (NULL: absent)
        updated_at       REAL NOT NULL,
        PRIMARY KEY (leaf_path, owner)
    );
    INSERT INTO leaf_drafts
        SELECT d.leaf_path, 'earlier', 'an earlier session', d.base_sha256, d.text,
               m.kind, m.attribution, m.attribution_base, d.updated_at
        FROM drafts d LEFT JOIN editor_draft_meta m ON m.leaf_path = d.leaf_path;
    DROP TABLE editor_draft_meta;
    DROP TABLE drafts;
    """,
]

_COLUMNS = "leaf_path, owner, owner_label, base_sha256, text, kind, attribution, attribution_base, updated_at"


@dataclass(frozen=True, slots=True)
class Draft:
    leaf_path: str
    owner: str
    owner_label: str
    base_sha256: str | None
    text: str
    kind: str | None
    attribution: str | None
    attribution_base: str | None
    updated_at: float


def save(
    store: Store,
    leaf_path: str,
    owner: str,
    owner_label: str,
    *,
    text: str,
    base_sha256: str | None,
    kind: str | None,
    attribution: str | None,
    attribution_base: str | None,
) -> None:
    with store.connect() as db:
        db.execute(
            f"INSERT INTO leaf_drafts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (leaf_path, owner) DO UPDATE SET owner_label = excluded.owner_label, "
            "base_sha256 = excluded.base_sha256, text = excluded.text, kind = excluded.kind, "
            "attribution = excluded.attribution, attribution_base = excluded.attribution_base, "
            "updated_at = excluded.updated_at",
            (
                leaf_path,
                owner,
                owner_label,
                base_sha256,
                text,
                kind,
                attribution,
                attribution_base,
                time.time(),
            ),
        )


def get(store: Store, leaf_path: str, owner: str) -> Draft | None:
    with store.connect() as db:
        row = db.execute(
            f"SELECT {_COLUMNS} FROM leaf_drafts WHERE leaf_path = ? AND owner = ?", (leaf_path, owner)
        ).fetchone()
    return Draft(*row) if row else None


def of_leaf(store: Store, leaf_path: str) -> list[Draft]:
    """Every owner's draft of one leaf, newest first."""
    with store.connect() as db:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM leaf_drafts WHERE leaf_path = ? ORDER BY updated_at DESC", (leaf_path,)
        ).fetchall()
    return [Draft(*r) for r in rows]


def all_drafts(store: Store) -> list[Draft]:
    with store.connect() as db:
        rows = db.execute(f"SELECT {_COLUMNS} FROM leaf_drafts ORDER BY leaf_path, updated_at").fetchall()
    return [Draft(*r) for r in rows]


def take_over(store: Store, leaf_path: str, from_owner: str, owner: str, owner_label: str) -> bool:
    """Make `from_owner`'s draft of a leaf `owner`'s (replacing any of `owner`'s own); False if gone."""
    with store.connect() as db:
        found = db.execute(
            "SELECT 1 FROM leaf_drafts WHERE leaf_path = ? AND owner = ?", (leaf_path, from_owner)
        ).fetchone()
        if found is None or from_owner == owner:
            return found is not None
        db.execute("DELETE FROM leaf_drafts WHERE leaf_path = ? AND owner = ?", (leaf_path, owner))
        db.execute(
            "UPDATE leaf_drafts SET owner = ?, owner_label = ?, updated_at = ? WHERE leaf_path = ? AND owner = ?",
            (owner, owner_label, time.time(), leaf_path, from_owner),
        )
    return True


def discard(store: Store, leaf_path: str, owner: str) -> None:
    with store.connect() as db:
        db.execute("DELETE FROM leaf_drafts WHERE leaf_path = ? AND owner = ?", (leaf_path, owner))
