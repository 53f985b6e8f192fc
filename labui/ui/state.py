"""Session state and cached resources shared by the pages. The only place pages get the taxonomy from.

Loading: the sidebar (first in every full run) walks the chosen folder once, keys it by the files'
stat data and takes the Taxonomy from a process-wide cache; on a miss it loads it in the script
thread, showing counts and a "Cancel loading" button (`LoadingBox`). A click on the button reruns
the script, which interrupts the load at its next count (the walk and the validation batches count
often), and its `on_click` records the cancel before the new run starts, so the load does not simply
start again: the folder then shows "Loading cancelled …" with "Load again" (and a way back to the
folder loaded before, which stays cached). Pages read the run's result (`current_taxonomy`), so a
run walks the tree once, not once per caller.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from labui.errors import LabuiError, UsageError
from labui.fsio import sha256_text
from labui.taxonomy import Taxonomy, check_root, find_leaves, fingerprint, load_taxonomy
from labui.taxonomy.walk import read_tree
from labui.ui.nav import KEY_TAXONOMY_PATH
from labui.ui.text import md_escape

if TYPE_CHECKING:
    from labui.coverage.embed import SentenceTransformerEmbedder

PROJECT_ROOT = Path(__file__).resolve().parents[2]

KEY_LOADING = "_tx_loading"  # while a load runs: {"path", "stage", "found", "done", "total"}
KEY_CANCELLED = "_tx_cancelled"  # after "Cancel loading": the same dict, until "Load again"
KEY_LAST_GOOD = "_tx_last_good"  # the folder (as typed) last loaded in full: where "Back" goes
KEY_CANCEL_BUTTON = "tx_cancel_load"
_KEY_RUN = "_tx_run"  # the shell's full runs, counted: the taxonomy is resolved once per run
_KEY_MEMO = "_tx_memo"  # (run, (taxonomy, problem), cancelled?) of the last run
CACHE_ENTRIES = 4  # taxonomies kept per server process (a few folders switched between)
WALK_QUIET_S = 1.0  # a walk shorter than this (every run walks) shows no counts and no button
DRAW_EVERY_S = 0.1  # counts redrawn at most this often (each redraw is also where a click stops the run)


def default_taxonomy_path() -> str:
    return os.environ.get("LABUI_TAXONOMY") or str(PROJECT_ROOT / "taxonomy")


def taxonomy_path() -> str:
    return str(st.session_state.get(KEY_TAXONOMY_PATH) or default_taxonomy_path()).strip()


# --------------------------------------------------------------------------------------------------
# The process-wide cache of loaded taxonomies.


class _Taxonomies:
    """The last few loaded taxonomies, by (folder, content key); shared by every session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], Taxonomy] = OrderedDict()

    def get(self, key: tuple[str, str]) -> Taxonomy | None:
        with self._lock:
            tx = self._items.get(key)
            if tx is not None:
                self._items.move_to_end(key)
            return tx

    def put(self, key: tuple[str, str], tx: Taxonomy) -> None:
        with self._lock:
            self._items[key] = tx
            self._items.move_to_end(key)
            while len(self._items) > CACHE_ENTRIES:
                self._items.popitem(last=False)


@st.cache_resource
def _taxonomies() -> _Taxonomies:
    return _Taxonomies()


# --------------------------------------------------------------------------------------------------
# Counts and the Cancel button while a load runs.


def load_counts(progress: dict[str, Any]) -> str:
    """`10,000 leaves found · 1,234 of 10,000 validated` (numbers only, no user text)."""
    found = f"{progress['found']:,} leaves found"
    if progress["stage"] == "finding":
        return f"Looking for leaves: {found}…"
    done, total = progress["done"], progress["total"] or 0
    if not done:
        return f"{found} · reading {total:,}…"
    return f"{found} · {done:,} of {total:,} validated…"


def cancelled_message(cancelled: dict[str, Any]) -> str:
    if cancelled["stage"] == "finding":
        return f"Loading cancelled while looking for leaves ({cancelled['found']:,} found so far)."
    return f"Loading cancelled after {cancelled['done']:,} of {cancelled['total'] or 0:,} leaves."


def cancel_load() -> None:
    """on_click of "Cancel loading": the click's rerun stopped the load; this keeps it stopped."""
    ss = st.session_state
    loading = ss.pop(KEY_LOADING, None)
    if loading is not None:  # None: the load ended before the click's run began
        ss[KEY_CANCELLED] = loading


def load_again() -> None:
    st.session_state.pop(KEY_CANCELLED, None)


def back_to(path: str) -> None:
    """Return to the folder loaded before (still cached, so at once)."""
    st.session_state[KEY_TAXONOMY_PATH] = path
    st.session_state.pop(KEY_CANCELLED, None)


def folder_changed() -> None:
    """on_change of the folder box: another folder typed is one to load.

    Only another folder: Streamlit also reports a change when its record of the box's last value
    was dropped (a run stopped early), and that must not undo a cancel.
    """
    gone = st.session_state.get(KEY_CANCELLED)
    if gone is not None and str(Path(taxonomy_path()).expanduser().resolve()) != gone["path"]:
        st.session_state.pop(KEY_CANCELLED, None)


def cancelled() -> dict[str, Any] | None:
    """The cancelled load of the chosen folder, when that is why this run shows no taxonomy."""
    memo = st.session_state.get(_KEY_MEMO)
    if memo is None or not memo[2]:
        return None
    return st.session_state.get(KEY_CANCELLED)


class LoadingBox:
    """Where a load shows its counts and the Cancel button (sidebar placeholders), and a note that
    the page is waiting for it (a placeholder at the top of the page).

    `progress` is labui's progress callback. It records the counts in session state on every call
    (the Cancel click's callback reads them) and redraws them at most every DRAW_EVERY_S; each
    redraw is where Streamlit stops this run when a click (Cancel, another folder) asks for a new one.
    """

    def __init__(self, counts: Any, button: Any, note: Any = None) -> None:
        self._counts, self._button, self._note = counts, button, note
        self.path = ""  # the resolved folder, set once it is known (a cancel is kept per folder)
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._loading = False
        self._has_button = False
        self._found = 0

    def start_load(self, found: int) -> None:
        """A real load begins (not a cache hit): counts and the button show at once from now on."""
        self._loading, self._found = True, found
        self.progress("loading", 0, found)

    def progress(self, stage: str, done: int, total: int | None) -> None:
        if stage == "finding":
            self._found = done
        now = time.monotonic()
        info = {"path": self.path, "stage": stage, "found": self._found, "done": 0, "total": total}
        if stage != "finding":
            info["done"] = done
        st.session_state[KEY_LOADING] = info
        if not self._loading and now - self._started < WALK_QUIET_S:
            return
        if now - self._drawn_at < DRAW_EVERY_S and done != total:
            return
        self._drawn_at = now
        self._counts.caption(load_counts(info))
        if not self._has_button:
            self._has_button = True
            if self._note is not None:  # the page waits for the sidebar: say so where the eye is
                self._note.info(
                    "Loading the taxonomy: counts in the sidebar…", icon=":material/hourglass_top:"
                )
            self._button.button(
                "Cancel loading", key=KEY_CANCEL_BUTTON, icon=":material/cancel:", on_click=cancel_load
            )

    def clear(self) -> None:
        for slot in (self._counts, self._button, self._note):
            if slot is not None:
                slot.empty()


# --------------------------------------------------------------------------------------------------
# The chosen taxonomy.


def _resolve(root: str, box: LoadingBox | None) -> tuple[Path, list[Path]]:
    """The folder and its leaves, or a UsageError saying plainly what is wrong with it.

    The messages are plain text (the path is user input): pages show them through labui.ui.text.
    """
    if not root:
        raise UsageError("No taxonomy folder given. Type the path of an InstructLab taxonomy in the sidebar.")
    path = Path(root).expanduser()
    if not path.exists():
        raise UsageError(f"The folder “{root}” does not exist.")
    if not path.is_dir():
        raise UsageError(f"“{root}” is a file, not a folder. Choose the root of an InstructLab taxonomy.")
    base = check_root(path)  # refuses / or /tmp before walking them
    if box is not None:
        box.path = str(base)
    gone = st.session_state.get(KEY_CANCELLED)
    if gone is not None and gone["path"] == str(base):
        raise _Cancelled(cancelled_message(gone))
    files = find_leaves(base, box.progress if box is not None else None)
    if not files:
        raise UsageError(f"“{root}” holds no qna.yaml leaves. Choose the root of an InstructLab taxonomy.")
    return base, files


class _Cancelled(LabuiError):
    """The chosen folder's load was cancelled: nothing is loaded until "Load again"."""


def _load(base: Path, files: list[Path], box: LoadingBox | None) -> Taxonomy:
    # The key follows the files (stat data of every leaf and attribution): an edit makes a new entry.
    key = (str(base), sha256_text(repr(fingerprint(base, files))))
    cache = _taxonomies()
    tx = cache.get(key)
    if tx is None:
        from labui.store.verdicts import open_verdicts  # unchanged leaves: verdicts from the workspace

        progress = None
        if box is not None:
            box.start_load(len(files))
            progress = box.progress
        tree = read_tree(base, progress, files=files)  # the files just walked: not walked again
        tx = load_taxonomy(base, verdicts=open_verdicts(base), progress=progress, tree=tree)
        cache.put(key, tx)
    return tx


def begin_run() -> None:
    """Called by the shell at the start of every full run (after the click callbacks)."""
    ss = st.session_state
    ss[_KEY_RUN] = ss.get(_KEY_RUN, 0) + 1
    ss.pop(KEY_LOADING, None)


def load_current(box: LoadingBox | None = None) -> tuple[Taxonomy | None, str | None]:
    """The chosen taxonomy (cached by content) or, when it cannot be used, why; shows nothing itself.

    The first call of a full run (the sidebar's, with its LoadingBox) walks and, on a miss, loads;
    later calls in the same run get the same answer.
    """
    ss = st.session_state
    run = ss.get(_KEY_RUN)
    memo = ss.get(_KEY_MEMO)
    if run is not None and memo is not None and memo[0] == run:
        return memo[1]
    root = taxonomy_path()
    result: tuple[Taxonomy | None, str | None]
    stopped = False
    try:
        base, files = _resolve(root, box)
        result = (_load(base, files, box), None)
        ss[KEY_LAST_GOOD] = root
    except (LabuiError, OSError) as exc:  # NotATaxonomyError, a refused file, an unreadable folder
        result, stopped = (None, str(exc)), isinstance(exc, _Cancelled)
    # Not reached when a click stops the run: KEY_LOADING then stays for the click's callback.
    ss.pop(KEY_LOADING, None)
    ss[_KEY_MEMO] = (run, result, stopped)
    return result


def current_taxonomy() -> Taxonomy | None:
    """The taxonomy chosen in the sidebar, loaded and validated (cached by content); None with a message."""
    tx, problem = load_current()
    if problem is not None:
        if cancelled() is not None:
            st.warning(
                f"{problem} Nothing is shown until it loads in full: use “Load again” in the sidebar.",
                icon=":material/block:",
            )
        else:
            st.error(md_escape(problem), icon=":material/folder_off:")
    return tx


@st.cache_resource(show_spinner="Loading the sentence encoder…", max_entries=2)
def encoder(model: str, device: str, batch_size: int) -> SentenceTransformerEmbedder:
    """One loaded encoder per (model, device, batch size), shared by every page and session."""
    from labui.coverage.embed import SentenceTransformerEmbedder  # torch: only when a page needs it

    return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size)
