"""The applications: command line, Gradio page (web + page rendering), terminal
rendering, uploads and the HTTP APIs.

The top layer: it may import every other part of ``qa``; nothing in ``qa`` imports it
(only the entry points ``qa/__main__.py`` and ``app.py``).
"""
