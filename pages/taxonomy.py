"""The Taxonomy page: the tree, the list of leaves, one leaf with its diagnostics (see labui/ui/taxonomy_view)."""

from labui.ui.taxonomy_view import taxonomy_page

taxonomy_page()
