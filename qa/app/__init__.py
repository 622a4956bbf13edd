"""The applications, one room per surface: ``records`` (database, conversations, feedback,
transcript) and ``access`` (accounts, password throttle) < ``articles`` (the Articles tab) and
``api`` (/v1) < ``web`` (the Gradio page) < ``cli`` (the command line, which serves the page).

The top layer: it may import every other part of ``qa``; nothing in ``qa`` imports it
(only the entry points ``qa/__main__.py`` and ``app.py``).
"""
