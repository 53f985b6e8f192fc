"""Workspace table of the embedding cache: one vector per (encoder, sha256 of the text)."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE embeddings (
        model   TEXT NOT NULL,             -- encoder name or path
        sha256  TEXT NOT NULL,             -- sha256 of the embedded text
        dim     INTEGER NOT NULL,
        vector  BLOB NOT NULL,             -- float32, normalised
        PRIMARY KEY (model, sha256)
    ) WITHOUT ROWID;
    """,
]
