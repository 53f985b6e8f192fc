"""labui: the Streamlit entry point. The shell (page config, navigation, sidebar) is labui.ui.shell."""

from labui.ui import shell

shell.run()
