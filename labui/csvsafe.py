"""CSV that is safe to open in a spreadsheet: no cell starts a formula (CSV / formula injection).

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets (`=HYPERLINK(...)` leaks data, `=cmd|...` runs commands). Such a text
cell gets a leading apostrophe, which every spreadsheet shows as text and hides. Numbers are left
alone (a negative number is not a formula). Every CSV labui offers (a download, an export, the
dataframe a page shows, whose toolbar exports CSV) goes through `safe_cell` or `safe_frame`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading apostrophe when it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) are safe_cell'ed."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for col in out.columns:
        if not is_numeric_dtype(out[col]):  # text: object or pandas' string dtype
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text (no index), every text cell safe."""
    return str(safe_frame(frame).to_csv(index=False))
