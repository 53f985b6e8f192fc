"""Coverage: thin leaves, overlapping leaves and real requests no leaf covers (labui.ui.coverage_view)."""

from labui.ui import shell
from labui.ui.coverage_view import coverage_page

shell.page(coverage_page)
