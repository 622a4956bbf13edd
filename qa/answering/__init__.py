"""Answering: condense a follow-up -> retrieve -> score sentences -> answer
(extractive or LLM) -> cite; ``service.build_assistant`` builds it all from Settings.

Rooms, in the order a question flows: ``question`` < ``retrieval`` < ``ranking`` <
``readers`` < ``builders`` | ``llm`` (the last two never import each other). ``chain.py``
and ``service.py`` sit on top and are the only modules that know every room.

May import ``qa.settings``, ``qa.types``, ``qa.text`` and ``qa.indexing``; never
``evaluation`` or ``app``.
"""
