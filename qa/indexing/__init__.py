"""Indexing: load articles (corpus) -> chunk -> embed -> store (Chroma) -> sync.

May import ``qa.settings``, ``qa.types`` and ``qa.text``; never ``answering``,
``evaluation`` or ``app``.
"""
