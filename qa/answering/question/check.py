"""The questions the assistant takes: not empty, not too long (checked before any model
loads, so a bad question fails fast)."""

from __future__ import annotations


class QuestionError(ValueError):
    """A question the assistant cannot take (empty, too long)."""


def check_question(question: object, max_chars: int) -> str:
    """The stripped question, or QuestionError (empty, or longer than ``max_chars``)."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("Please type a question.")
    if len(question) > max_chars:
        raise QuestionError(
            f"The question is {len(question)} characters long; the limit is {max_chars}."
        )
    return question.strip()
