"""The Editor page: pick or create a leaf, edit it in forms with live validation, save safely.

The page is the picker (the whole app reruns when it changes) and the workspace below it, an
`st.fragment`: typing, adding or moving seeds reruns only the workspace, so the page answers fast
and quick clicks are not lost behind a long rerun. Each workspace run pulls the widgets into the
model, validates it, keeps this tab's draft (only once something changed), then draws the forms
with each problem beside its field. The open leaf and this tab's draft token are in the URL, so a
refresh comes back to the same leaf and its draft.

    editor_state.py   session keys, model <-> widgets, the draft owner
    editor_open.py    picker, new leaf, leaves sent by other pages, someone else's draft
    editor_forms.py   the fields and seed cards
    editor_status.py  status, buttons, repeats, preview, diff, changes, upload
    editor_save.py    save / revert callbacks, conflicts, autosave
"""

from __future__ import annotations

import streamlit as st

from labui.taxonomy.model import Taxonomy
from labui.ui import editor_open, editor_save, editor_state, state
from labui.ui import editor_state as es
from labui.ui.editor_forms import Placed, header_fields, seed_cards
from labui.ui.editor_status import status_panel


def render() -> None:
    st.title("Editor")
    tx = state.current_taxonomy()
    if tx is None:
        return
    store = es.store_for(str(tx.root))
    with st.container():  # one slot for what varies above the workspace (a notice comes and goes)
        editor_open.follow_owner(tx, store)  # also puts this tab's draft token in the URL
        editor_open.incoming(tx, store)
        st.session_state.pop(es.KEY_FULL_RERUN, None)
        editor_open.picker(tx, store)
        editor_open.others_notice(tx, store)
    _workspace(tx)


@st.fragment
def _workspace(tx: Taxonomy) -> None:
    ss = st.session_state
    if ss.pop(es.KEY_FULL_RERUN, False):
        st.rerun(scope="app")  # a callback opened another leaf: the picker and the URL must follow
    store = es.store_for(str(tx.root))
    # What comes and goes above the forms (a message, a conflict) is drawn in one slot, so the forms
    # keep their place: moved, every field would be remounted, losing the cursor of someone typing.
    notes = st.container()
    flash = ss.pop(es.KEY_FLASH, None)
    if flash:
        getattr(notes, flash[0])(flash[1])
    model = es.model()
    if model is None:
        if es.KEY_OTHERS not in ss:
            notes.info(
                "Open a leaf above, or start a new one. Edits are kept as a draft in the workspace until you save.",
                icon=":material/edit_note:",
            )
        return
    editor_state.pull(model)
    leaf = model.to_leaf(tx.root / model.path / "qna.yaml")
    disk = tx.leaf(model.path)
    # Keep the draft before drawing anything slow: a refresh or a new edit stops this run part-way.
    editor_save.autosave(store, model, disk)
    placed = Placed(model, leaf)
    conflict = ss.get(es.KEY_CONFLICT)
    if conflict:
        with notes:
            editor_save.conflict_view(tx, store, conflict)
    left, right = st.columns([3, 2], gap="large")
    with left:
        header_fields(model, placed)
        seed_cards(model, placed)
    with right:
        status_panel(tx, store, model, leaf, disk, placed)
