"""Answering: condense a follow-up -> retrieve -> score sentences -> answer
(extractive or LLM) -> cite; ``service.build_assistant`` builds it all from Settings.

May import ``qa.settings``, ``qa.types``, ``qa.text`` and ``qa.indexing``; never
``evaluation`` or ``app``.
"""
