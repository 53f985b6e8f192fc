"""labui: the Streamlit entry point. Page config, the sidebar, navigation; the pages live in pages/."""

from __future__ import annotations

import streamlit as st

from labui.ui import state
from labui.ui.taxonomy_view import sidebar_summary

st.set_page_config(page_title="labui", page_icon=":material/account_tree:", layout="wide")

pages = [
    st.Page("pages/taxonomy.py", title="Taxonomy", icon=":material/account_tree:", default=True),
    st.Page("pages/editor.py", title="Editor", icon=":material/edit_note:"),
    st.Page("pages/coverage.py", title="Coverage", icon=":material/radar:"),
]
# st.navigation must come before any widget of this script: with a pages/ folder beside it, widgets
# created earlier lose what the user typed on every rerun (Streamlit 1.67; see tests/e2e).
page = st.navigation(pages)

with st.sidebar:
    st.text_input(
        "Taxonomy folder",
        value=state.default_taxonomy_path(),
        key=state.KEY_TAXONOMY_PATH,
        help="The root of an InstructLab taxonomy: the folder holding compositional_skills/, knowledge/, …",
    )
    sidebar_summary()

page.run()
