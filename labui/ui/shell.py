"""The app shell: page config, the page list (navigation) and the sidebar, run for every page and URL.

Why every page file calls `page()` and the first run of a session only reruns: Streamlit 1.67 treats
a `pages/` folder beside the entry point as its older automatic navigation until some script has
called `st.navigation`. On a fresh server the first request therefore runs the page file alone when
the URL is `/editor` (no sidebar, no folder box), and runs app.py nested inside that automatic
navigation when it is `/`, so its sidebar widgets get other ids than on every later run and what the
user typed next is dropped. The shell makes the first run of each session only register the pages
(which also switches the automatic mode off for the whole server) and rerun at once, on the same
page and URL: from the second run on, every page is drawn by this shell exactly as a click in the
navigation draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.pages_manager import PagesManager

from labui.ui import identity, nav, state
from labui.ui.text import label, md_code, md_escape
from labui.ui.widgets import count_badges

# A local picture: a `:material/...:` page icon makes the browser fetch the favicon from Google's font
# host (Streamlit's frontend builds that URL), and the app makes no request beyond the machine.
PAGE_ICON = "🌳"


def pages() -> list[st.Page]:
    """The app's pages, in navigation order: one `pages/<name>.py` file each (url path = file name)."""
    return [
        st.Page(nav.PAGE_TAXONOMY, title="Taxonomy", icon=":material/account_tree:", default=True),
        st.Page(nav.PAGE_EDITOR, title="Editor", icon=":material/edit_note:"),
        st.Page(nav.PAGE_COVERAGE, title="Coverage", icon=":material/radar:"),
        st.Page(nav.PAGE_GENERATE, title="Generate", icon=":material/auto_awesome:"),
        st.Page(nav.PAGE_REVIEW, title="Review", icon=":material/fact_check:"),
        st.Page(nav.PAGE_EXPORT, title="Export", icon=":material/ios_share:"),
    ]


def _automatic_pages_mode() -> bool:
    """True while Streamlit runs its own pages/ navigation (before any st.navigation on this server)."""
    return bool(getattr(PagesManager, "uses_pages_directory", False))


def run() -> None:
    """Draw the app: called by app.py, and by a page file that Streamlit ran without the shell."""
    st.set_page_config(page_title="labui", page_icon=PAGE_ICON, layout="wide")
    automatic = _automatic_pages_mode()
    # st.navigation before any widget: it fixes the page (from the URL) that widget ids depend on.
    page = st.navigation(pages())
    if automatic or not st.session_state.get(nav.KEY_SHELL_STARTED):
        # The first run of a session (or one Streamlit nested in its automatic navigation) draws
        # nothing: rerun on the page just resolved, with the URL's query, now in the shell's mode.
        st.session_state[nav.KEY_SHELL_STARTED] = True
        st.rerun()
    nav.follow()  # a link clicked in the last run (its callback could not switch pages itself)
    state.begin_run()
    identity.sync()
    sidebar(st.empty())
    page.run()


def page(render: Callable[[], None]) -> None:
    """The body of a page file: `render` when the shell runs the page, else the whole shell."""
    if st.session_state.get(nav.KEY_SHELL_STARTED) and not _automatic_pages_mode():
        render()
    else:
        run()  # reruns at once (a fresh server's first request came straight to this page's URL)


def sidebar(note: DeltaGenerator | None = None) -> None:
    """The folder box and, under it, what was found there or why nothing can be shown.

    `note`: a placeholder at the top of the page, which says so while a load keeps the page waiting.
    """
    with st.sidebar:
        st.text_input(
            "Taxonomy folder",
            value=state.default_taxonomy_path(),
            key=nav.KEY_TAXONOMY_PATH,
            on_change=state.folder_changed,
            help="The root of an InstructLab taxonomy: the folder holding compositional_skills/, knowledge/, …",
        )
        summary = st.container()  # drawn below, filled after: the name box need not wait for a load
        st.divider()
        identity.name_box()
        with summary:
            folder_summary(note)


def folder_summary(note: DeltaGenerator | None = None) -> None:
    box = state.LoadingBox(st.empty(), st.empty(), note)
    tx, problem = state.load_current(box)
    box.clear()
    if tx is None:
        if state.cancelled() is not None:
            cancelled_summary(problem or "Loading cancelled.")
            return
        st.error(md_escape(problem or "No taxonomy."), icon=":material/folder_off:")
        st.caption("Type the path of a folder that holds `compositional_skills/`, `knowledge/`, …")
        return
    st.caption(md_code(str(tx.root)))
    st.markdown(count_badges(len(tx.leaves), tx.errors, tx.warnings))


def cancelled_summary(message: str) -> None:
    """A cancelled load: say so (nothing half-loaded is shown), offer to load again or go back."""
    st.warning(message, icon=":material/block:")  # numbers only, no user text
    st.button("Load again", key="tx_load_again", icon=":material/refresh:", on_click=state.load_again)
    before = st.session_state.get(state.KEY_LAST_GOOD)
    if before and before != state.taxonomy_path():
        st.button(
            f"Back to {label(Path(before).name or before)}",
            key="tx_load_back",
            icon=":material/undo:",
            on_click=state.back_to,
            args=(before,),
            help="The folder loaded before: it is still in memory",
        )
