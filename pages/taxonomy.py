"""Taxonomy: the tree, the list of leaves, one leaf with its diagnostics (labui.ui.taxonomy_view)."""

from labui.ui import shell
from labui.ui.taxonomy_view import taxonomy_page

shell.page(taxonomy_page)
