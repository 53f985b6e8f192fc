"""Workspace tables of editor drafts: the qna.yaml text being edited and what that text cannot hold."""

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
]
