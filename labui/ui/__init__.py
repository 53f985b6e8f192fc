"""The Streamlit UI, the only package that imports streamlit: takes the library's stages, gives pages.

shell   page config, the page list (navigation) and the sidebar, run for every page and URL
nav     every cross-page session key, URL parameter and link between pages
state   the chosen taxonomy and the heavy cached objects (encoder) shared by the pages
text    the one way user and generated text reaches the page (escaped markdown, plain text blocks)
widgets small shared widgets (status icons, count badges)
jobs    background jobs: a generation run on a thread of its own, held by a process-wide registry
*_view  one module (or a few `<page>_*.py`) per page; pages/<page>.py only calls shell.page(render)
"""
