"""Editor: create and edit leaves with live validation; the logic lives in labui.editing."""

from labui.ui import editor_view

editor_view.render()
