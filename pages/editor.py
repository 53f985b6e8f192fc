"""Editor: create and edit leaves with live validation; the logic lives in labui.editing."""

from labui.ui import editor_view, shell

shell.page(editor_view.render)
