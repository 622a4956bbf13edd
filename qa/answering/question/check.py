"""What the assistant takes from a person: a question (not empty, not invisible, valid
text, not too long), a date range and a number of passages. Checked before any model
loads, so a bad value fails fast, with one line that says what is wrong."""

from __future__ import annotations

import datetime as dt
import unicodedata

MAX_K = 50  # passages a question may ask for


class QuestionError(ValueError):
    """A question (or a filter of it) the assistant cannot take."""


def check_question(question: object, max_chars: int) -> str:
    """The stripped question, or QuestionError (empty or invisible, not valid text, or
    longer than ``max_chars``)."""
    if not isinstance(question, str) or not visible(question):
        raise QuestionError("Please type a question.")
    if len(question) > max_chars:
        raise QuestionError(
            f"The question is {len(question)} characters long; the limit is {max_chars}."
        )
    if any("\ud800" <= c <= "\udfff" for c in question):  # e.g. bytes that are not UTF-8
        raise QuestionError(
            "The question holds characters that are not valid text (bytes that are not "
            "UTF-8?); type it again."
        )
    return question.strip()


def visible(text: str) -> bool:
    """Whether ``text`` holds a character that shows (not only spaces, zero-width
    characters or other format and control characters)."""
    return any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc") for c in text)


def check_date(value: object, name: str) -> str:
    """``value`` as an ISO date (YYYY-MM-DD); "" for none. QuestionError otherwise."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise QuestionError(f"{name} must be a date as YYYY-MM-DD, not {text[:40]!r}.")


def check_dates(date_from: object, date_to: object) -> tuple[str, str]:
    """(from, to) as ISO dates ("" for open), the first not after the second."""
    start, end = check_date(date_from, "date_from"), check_date(date_to, "date_to")
    if start and end and start > end:
        raise QuestionError(f"date_from {start} is after date_to {end}.")
    return start, end


def check_k(value: object) -> int | None:
    """A number of passages from 1 to ``MAX_K``; None (or 0, "") for the default."""
    if value is None or value == "" or (value == 0 and not isinstance(value, bool)):
        return None
    k, whole = 0, False
    try:
        k = int(value.strip()) if isinstance(value, str) else int(value)
        whole = not isinstance(value, bool) and (isinstance(value, str) or float(value) == k)
    except (TypeError, ValueError, OverflowError):
        pass
    if not whole or not 1 <= k <= MAX_K:
        raise QuestionError(f"k must be a whole number from 1 to {MAX_K}, not {str(value)[:40]}.")
    return k
