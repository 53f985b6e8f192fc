"""Review: decide on every generated sample with the gates' evidence (labui.ui.review_view)."""

from labui.ui import shell
from labui.ui.review_view import review_page

shell.page(review_page)
