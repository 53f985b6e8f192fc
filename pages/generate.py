"""Generate: a teacher model writes samples from the chosen leaves (labui.ui.generate_view)."""

from labui.ui import shell
from labui.ui.generate_view import generate_page

shell.page(generate_page)
