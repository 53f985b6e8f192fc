"""Safe rendering of user and generated text: the one place that turns such text into page content.

Seeds, documents, problem messages that quote user content, generated samples and real-data rows are
hostile: a `![](http://host/x.png)` in a seed must not make the browser fetch anything, and a link
must stay inert. Streamlit renders labels, captions and `st.markdown` as markdown, so every piece of
such text goes through `md_escape` (inside markdown) or `show` (as a plain text block).
"""

from __future__ import annotations

import re

import streamlit as st

# Everything Streamlit's markdown gives a meaning to: markup, HTML, :directives:, $math$, links.
_MD_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~$:=&\"'@")

# GitHub-flavoured markdown turns bare URLs and e-mail addresses into links after escapes are
# resolved, so backslashes cannot stop it: an invisible word joiner inside the trigger does.
_JOINER = "\u2060"
_AUTOLINK = re.compile(  # `:`, `.` and `@` are always backslash-escaped by then
    r"(?i)(?<=http)(?=s?\\:)|(?<=ftp)(?=\\:)|(?<=mailto)(?=\\:)|(?<=xmpp)(?=\\:)|(?<=www)(?=\\\.)|(?=\\@)"
)


def md_escape(text: str) -> str:
    """Text that Streamlit's markdown shows literally: no markup, no HTML, no links, no :directives:, $math$."""
    escaped = "".join("\\" + c if c in _MD_SPECIAL else c for c in text)
    escaped = _AUTOLINK.sub(_JOINER, escaped)
    # Line breaks would start new markdown blocks (headings, lists): keep labels on one line.
    return escaped.replace("\r", " ").replace("\n", " ")


def md_code(text: str) -> str:
    """`text` as inline code (literal inside; backslash escapes do not apply there)."""
    text = text.replace("\n", " ")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def label(text: str, limit: int = 90) -> str:
    """User text as a one-line markdown label (expander titles, captions): whitespace folded, cut, escaped."""
    flat = " ".join(text.split())
    return md_escape(flat[:limit]) + ("…" if len(flat) > limit else "")


def show(text: str) -> None:
    """A block of user or generated text shown exactly as written (no markdown, no HTML)."""
    st.text(text)


def error(text: str) -> None:
    """An error message that may quote user input (a path, a seed): shown literally in an error box."""
    st.error(md_escape(text), icon=":material/error:")
