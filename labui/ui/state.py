"""Session state and cached resources shared by the pages. The only place pages get the taxonomy from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from labui.errors import UsageError
from labui.taxonomy.tree import Taxonomy, find_leaves, fingerprint, load_taxonomy

if TYPE_CHECKING:
    from labui.coverage.embed import SentenceTransformerEmbedder

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEY_TAXONOMY_PATH = "taxonomy_path"
# The leaf the Editor page opens; the Taxonomy page's "Open in Editor" sets it.
KEY_EDITOR_LEAF = "editor_leaf"


def default_taxonomy_path() -> str:
    return os.environ.get("LABUI_TAXONOMY") or str(PROJECT_ROOT / "taxonomy")


@st.cache_resource(show_spinner="Reading and validating the taxonomy…", max_entries=4)
def _load(root: str, key: tuple[tuple[str, int, int], ...]) -> Taxonomy:
    # `key` is only there to make the cache follow the files: it changes when any leaf changes.
    return load_taxonomy(root)


def taxonomy_path() -> str:
    return str(st.session_state.get(KEY_TAXONOMY_PATH) or default_taxonomy_path()).strip()


def _resolve(root: str) -> tuple[Path, tuple[tuple[str, int, int], ...]]:
    """The folder and its content fingerprint, or a UsageError saying plainly what is wrong with it."""
    if not root:
        raise UsageError("No taxonomy folder given. Type the path of an InstructLab taxonomy in the sidebar.")
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"The folder `{root}` does not exist.")
    if not path.is_dir():
        raise UsageError(f"`{root}` is a file, not a folder. Choose the root of an InstructLab taxonomy.")
    if not find_leaves(path):
        raise UsageError(f"`{root}` holds no `qna.yaml` leaves. Choose the root of an InstructLab taxonomy.")
    return path.resolve(), fingerprint(path)


def load_current() -> tuple[Taxonomy | None, str | None]:
    """The chosen taxonomy (cached by content) or, when it cannot be used, why; shows nothing."""
    try:
        path, key = _resolve(taxonomy_path())
    except (UsageError, OSError) as exc:
        return None, str(exc)
    return _load(str(path), key), None


def current_taxonomy() -> Taxonomy | None:
    """The taxonomy chosen in the sidebar, loaded and validated (cached by content); None with a message."""
    tx, problem = load_current()
    if problem is not None:
        st.error(problem, icon=":material/folder_off:")
    return tx


@st.cache_resource(show_spinner="Loading the sentence encoder…", max_entries=2)
def encoder(model: str, device: str, batch_size: int) -> SentenceTransformerEmbedder:
    """One loaded encoder per (model, device, batch size), shared by every page and session."""
    from labui.coverage.embed import SentenceTransformerEmbedder  # torch: only when a page needs it

    return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size)
