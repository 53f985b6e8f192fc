"""Who sits at this browser: the sidebar's "Your name", checked, kept across pages, reruns and a refresh.

One source of truth, `st.session_state[nav.KEY_USER_NAME]` ("" when none is given): the Review page
records decisions under it and the Editor keeps drafts under it (`Owner.reviewer(name)`), so the same
name in another tab or browser finds the same draft. The URL carries it (`?name=`) the way the
Editor's draft token rides there, so a refresh keeps it. The boxes that edit it (the sidebar's, and the
Review page's while no name is set) are re-filled from it on every run and change it only through
`set_name`, which refuses a bad name with a message and keeps the old one.
"""

from __future__ import annotations

import unicodedata

import streamlit as st

from labui.errors import UsageError
from labui.ui import nav
from labui.ui.text import md_escape

NAME_MAX = 64
KEY_BOX = "user_name_box"  # the sidebar's text box (a widget key, re-filled from the name each run)
KEY_REFUSED = "user_name_refused"  # (box key, why): the last name typed there was refused (shown once)
# Characters that change how the text around them is drawn: right-to-left overrides and isolates.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def check_name(text: str) -> str:
    """The name as kept: trimmed, NFC; "" for none. Raises UsageError saying what is wrong."""
    name = unicodedata.normalize("NFC", text.strip())
    if len(name) > NAME_MAX:
        raise UsageError(f"A name has at most {NAME_MAX} characters; this one has {len(name)}.")
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or ch in _BIDI:
            raise UsageError(
                "A name cannot hold control characters (line breaks, tabs, text-direction marks): "
                f"U+{ord(ch):04X} is one."
            )
    return name


def name() -> str:
    """This person's name, or "" when none is given (the Editor then keeps drafts per browser tab)."""
    held = st.session_state.get(nav.KEY_USER_NAME)
    return held if isinstance(held, str) else ""


def set_name(text: str, box: str = KEY_BOX) -> bool:
    """Change the name (callbacks call this); a bad one is refused, the old name kept, and why is said
    under `box` (the key of the box it was typed in)."""
    ss = st.session_state
    try:
        new = check_name(text)
    except UsageError as exc:
        ss[KEY_REFUSED] = (box, f"Your name was not changed. {exc}")
        return False
    ss.pop(KEY_REFUSED, None)
    ss[nav.KEY_USER_NAME] = new
    _keep_in_url(new)
    return True


def _keep_in_url(new: str) -> None:
    if new and st.query_params.get(nav.QUERY_NAME) != new:
        st.query_params[nav.QUERY_NAME] = new
    elif not new and nav.QUERY_NAME in st.query_params:
        del st.query_params[nav.QUERY_NAME]


def sync() -> None:
    """Called by the shell on every run: take the name from the URL once (a refresh, a shared link),
    then keep the URL showing it (a page switch drops the query)."""
    ss = st.session_state
    if nav.KEY_USER_NAME not in ss:
        from_url = st.query_params.get(nav.QUERY_NAME, "")
        try:
            ss[nav.KEY_USER_NAME] = check_name(from_url)
        except UsageError as exc:
            ss[nav.KEY_USER_NAME] = ""
            ss[KEY_REFUSED] = (KEY_BOX, f"The name in the link was not used. {exc}")
    _keep_in_url(name())


def from_box(key: str) -> None:
    """on_change of a name box: its text becomes the name (or is refused)."""
    set_name(str(st.session_state.get(key) or ""), key)


def name_box() -> None:
    """The sidebar's "Your name" box, with the reason when a name was refused."""
    st.session_state[KEY_BOX] = name()  # re-filled from the one name: a refused text does not stay
    st.text_input(
        "Your name",
        key=KEY_BOX,
        on_change=from_box,
        args=(KEY_BOX,),
        placeholder="e.g. ana",
        help=(
            "Review decisions are recorded under this name, and the Editor keeps your unsaved drafts "
            "under it, so the same name in another tab or browser finds them. Empty: drafts stay with "
            "this browser tab."
        ),
    )
    refused(KEY_BOX)


def refused(box: str) -> None:
    """Why the last name typed in `box` was refused, if it was (shown once)."""
    held = st.session_state.get(KEY_REFUSED)
    if isinstance(held, tuple) and held[0] == box:
        del st.session_state[KEY_REFUSED]
        st.error(md_escape(held[1]), icon=":material/badge:")


def shown() -> str:
    """The name as markdown text (escaped), for captions that say who is acting."""
    return md_escape(name())
