"""Session state and cached resources shared by the pages. The only place pages get the taxonomy from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from labui.errors import LabuiError, UsageError
from labui.taxonomy import Taxonomy, check_root, find_leaves, fingerprint, load_taxonomy
from labui.taxonomy.load import Progress
from labui.ui.nav import KEY_TAXONOMY_PATH
from labui.ui.text import md_escape

if TYPE_CHECKING:
    from labui.coverage.embed import SentenceTransformerEmbedder

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_taxonomy_path() -> str:
    return os.environ.get("LABUI_TAXONOMY") or str(PROJECT_ROOT / "taxonomy")


@st.cache_resource(show_spinner="Reading and validating the taxonomy…", max_entries=4)
def _load(root: str, key: tuple[tuple[str, int, int], ...]) -> Taxonomy:
    # `key` is only there to make the cache follow the files: it changes when any leaf changes.
    from labui.store.verdicts import open_verdicts  # unchanged leaves: verdicts from the workspace

    # Counts while a large tree loads. The placeholder is made in here (a cached function may only
    # write to its own elements); it ends empty, which is what a later cache hit replays.
    box = st.empty()
    tx = load_taxonomy(root, verdicts=open_verdicts(Path(root)), progress=counts(box))
    box.empty()
    return tx


def counts(box: Any) -> Progress:
    """A progress callback that shows `Reading leaves: 1,200 of 10,000…` in a placeholder.

    Each update is also where a new folder typed meanwhile stops the run (Streamlit's rerun).
    """

    def progress(stage: str, done: int, total: int | None) -> None:
        of = f" of {total:,}" if total else ""
        box.caption(f"{'Finding' if stage == 'finding' else 'Reading'} leaves: {done:,}{of}…")

    return progress


def taxonomy_path() -> str:
    return str(st.session_state.get(KEY_TAXONOMY_PATH) or default_taxonomy_path()).strip()


def _resolve(root: str, progress: Progress | None = None) -> tuple[Path, tuple[tuple[str, int, int], ...]]:
    """The folder and its content fingerprint, or a UsageError saying plainly what is wrong with it.

    The messages are plain text (the path is user input): pages show them through labui.ui.text.
    """
    if not root:
        raise UsageError("No taxonomy folder given. Type the path of an InstructLab taxonomy in the sidebar.")
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"The folder “{root}” does not exist.")
    if not path.is_dir():
        raise UsageError(f"“{root}” is a file, not a folder. Choose the root of an InstructLab taxonomy.")
    if not find_leaves(check_root(path), progress):  # check_root: refuses / or /tmp before walking them
        raise UsageError(f"“{root}” holds no qna.yaml leaves. Choose the root of an InstructLab taxonomy.")
    return path.resolve(), fingerprint(path)


def load_current(progress: Progress | None = None) -> tuple[Taxonomy | None, str | None]:
    """The chosen taxonomy (cached by content) or, when it cannot be used, why; shows nothing itself.

    `progress(stage, done, total)` hears about the walk that finds the leaves; the load itself shows
    its counts where it is called (the sidebar, first in every run).
    """
    try:
        path, key = _resolve(taxonomy_path(), progress)
        return _load(str(path), key), None
    except (LabuiError, OSError) as exc:  # NotATaxonomyError, a refused file, an unreadable folder
        return None, str(exc)


def current_taxonomy() -> Taxonomy | None:
    """The taxonomy chosen in the sidebar, loaded and validated (cached by content); None with a message."""
    tx, problem = load_current()
    if problem is not None:
        st.error(md_escape(problem), icon=":material/folder_off:")
    return tx


@st.cache_resource(show_spinner="Loading the sentence encoder…", max_entries=2)
def encoder(model: str, device: str, batch_size: int) -> SentenceTransformerEmbedder:
    """One loaded encoder per (model, device, batch size), shared by every page and session."""
    from labui.coverage.embed import SentenceTransformerEmbedder  # torch: only when a page needs it

    return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size)
