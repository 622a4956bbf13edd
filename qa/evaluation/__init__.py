"""Evaluation: pure metrics -> run (score a Q&A file through the assistant) -> report.

May import everything below ``app`` (it drives ``qa.answering``); never ``qa.app``.
"""
