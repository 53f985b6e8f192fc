"""Small widgets and markdown snippets shared by several pages (status icons, count badges)."""

from __future__ import annotations

from labui.textutil import plural

# Material icons render everywhere (Streamlit ships the font); emoji need a font the machine may lack.
STATUS_ICONS = {
    "ok": ":green[:material/check_circle:]",
    "warning": ":orange[:material/warning:]",
    "error": ":red[:material/error:]",
}
STATUS_DOTS = {"ok": ":green[●]", "warning": ":orange[●]", "error": ":red[●]"}


def leaves(n: int) -> str:
    return plural(n, "leaf", "leaves")


def count_badges(n_leaves: int, errors: int, warnings: int) -> str:
    """Markdown badges: `148 leaves` `2 errors` `3 warnings` (numbers only, no user text)."""
    parts = [f":blue-badge[{leaves(n_leaves)}]"]
    parts.append(f":red-badge[{plural(errors, 'error')}]" if errors else ":green-badge[no errors]")
    if warnings:
        parts.append(f":orange-badge[{plural(warnings, 'warning')}]")
    return " ".join(parts)
