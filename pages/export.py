"""Export: the reviewed training set as JSONL, parquet and a dataset card (labui.ui.export_view)."""

from labui.ui import shell
from labui.ui.export_view import render

shell.page(render)
