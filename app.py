"""labui: the Streamlit entry point. The shell (page config, navigation, sidebar) is labui.ui.shell."""

# The taxonomy loader's worker processes (multiprocessing) run the parent's main script first, under
# this name; in a Streamlit server that script is this file, and a worker must not draw the app.
if __name__ != "__mp_main__":
    from labui.ui import shell

    shell.run()
