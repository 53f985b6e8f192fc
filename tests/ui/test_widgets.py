"""labui.ui.widgets: the sidebar's count badges read well on big trees (thousands separated)."""

from __future__ import annotations

from labui.ui.widgets import count_badges, leaves


def test_big_counts_have_thousands_separators() -> None:
    badges = count_badges(10_000, 1_234, 56_789)
    assert ":blue-badge[10,000 leaves]" in badges
    assert ":red-badge[1,234 errors]" in badges and ":orange-badge[56,789 warnings]" in badges
    assert leaves(1) == "1 leaf" and leaves(999) == "999 leaves"
    assert count_badges(8, 0, 0) == ":blue-badge[8 leaves] :green-badge[no errors]"
