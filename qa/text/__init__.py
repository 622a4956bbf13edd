"""Shared text helpers: sentence spans with exact offsets, word and term tokenising, dates.

The lowest layer beside ``qa.settings`` and ``qa.types``: it imports nothing else of ``qa``.
"""
