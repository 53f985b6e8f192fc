"""labui.ui.text: user text inside markdown stays text (checked by meaning here, in a browser in e2e)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from labui.ui.text import label, md_code, md_escape

HOSTILE = [
    "![pixel](http://127.0.0.1:9/x.png)",
    "[click](https://example.org/a?b=c)",
    '<img src="http://h/x.png"> <script>alert(1)</script>',
    "**bold** _it_ `code` # heading\n- list\n> quote",
    ":material/warning: :red[red] $x^2$ ~~gone~~",
    "bare http://host.example/x and www.example.com and mail a.b@example.com",
    "back\\slash \\* [x]: http://ref",
]
# The triggers of GitHub-flavoured autolinks (remark-gfm) that a backslash cannot defuse.
GFM_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp):|www\.|[-.\w+]@[-\w]")


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escape_keeps_the_words_and_defuses_the_markup(text: str) -> None:
    out = md_escape(text)
    # Read back (escapes and invisible joiners dropped) it is the text, on one line.
    assert out.replace("\u2060", "").replace("\\", "") == text.replace("\\", "").replace("\n", " ")
    # Every character markdown gives a meaning to is escaped, and no autolink trigger is left.
    unescaped = re.sub(r"\\.", "", out)
    assert not set(unescaped) & set("[]()!<>*_`#:$~|")
    assert not GFM_AUTOLINK.search(out.replace("\\", ""))


def test_label_is_one_short_line() -> None:
    text = "word " * 50 + "\n![x](http://h/x.png)"
    out = label(text, limit=20)
    assert "\n" not in out and out.endswith("…")
    assert out.replace("\\", "").startswith("word word word")


def test_md_code_holds_backticks() -> None:
    assert md_code("a `b` c") == "`` a `b` c ``"
    assert md_code("plain") == "`plain`"


def _page() -> None:
    import streamlit as st

    from labui.ui.text import error, md_escape, show

    text = "![pixel](http://127.0.0.1:9/x.png) <b>bold</b> http://h.example/x"
    st.markdown(md_escape(text))
    show(text)
    error(text)


def test_rendered_elements_hold_the_escaped_text() -> None:
    at = AppTest.from_function(_page).run()
    assert not at.exception
    assert at.text[0].value.startswith("![pixel](http://127.0.0.1:9/x.png)")
    for md in (at.markdown[0].value, at.error[0].value):
        assert "](http" not in md and "<b>" not in md
