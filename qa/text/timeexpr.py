"""Time expressions in a question, turned into a published-date window.

``parse(question, now)`` is pure: ``now`` is the reference day (the service passes the
newest published date in the index, since a news archive's "now" is its last article).

What is recognised (the first match wins; case does not matter):

- ``in 2005``, ``during 2005``, ``of 2005``: that calendar year;
- ``in March 2005``, ``March 2005``: that month; ``in March`` without a year: the latest
  March up to ``now``;
- ``since X`` / ``after X`` / ``before X`` / ``until X`` for any X above: open-ended;
  ``since`` and ``until`` include X, ``after`` and ``before`` exclude it;
- ``between X and Y`` / ``from X to Y``: X's start to Y's end;
- ``today``, ``yesterday``;
- ``this week|month|year``: the calendar period up to ``now``;
- ``last week|month|year``: the previous calendar period (Monday-Sunday weeks);
- ``past|last N days|weeks|months|years``, ``the past week|month|year``, ``in the last
  month``: the rolling window ending ``now``;
- ``latest``, ``recent(ly)``, ``current(ly)``, ``newest``, ``lately``, ``now``: no window,
  but ``prefer_recent``.

A bare year used as an adjective ("the 2005 budget") is not a window: only a year after
in/during/of/since/before/after/until/between/from, or in a month-year pair, is. Events
("before the election") have no date here and are not resolved.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i])
}
MONTHS["sept"] = 9
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d{2}"
# A point in time: "March 2005", "2005", "March" (month first, so "March 2005" wins).
_POINT = rf"(?:{_MONTH}\s+{_YEAR}|{_MONTH}|{_YEAR})"
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
_RECENT = re.compile(
    r"\b(latest|most recent|recent|recently|current|currently|newest|lately|right now)\b", re.I
)


@dataclass(frozen=True)
class TimeWindow:
    """An inclusive ISO date window ("" = open end) and the text that set it."""

    date_from: str = ""
    date_to: str = ""
    prefer_recent: bool = False
    matched: str = ""

    @property
    def is_window(self) -> bool:
        return bool(self.date_from or self.date_to)

    def describe(self) -> str:
        """ "2005-01-01 to 2005-12-31", "from 2005-03-01", "until 2004-12-31"."""
        if self.date_from and self.date_to:
            return f"{self.date_from} to {self.date_to}"
        if self.date_from:
            return f"from {self.date_from}"
        return f"until {self.date_to}" if self.date_to else ""


def _span(point: str, now: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a point ("March 2005", "2005", "March")."""
    words = point.lower().replace(".", "").split()
    if len(words) == 2:
        month, year = MONTHS[words[0]], int(words[1])
        return _month_span(year, month)
    if words[0].isdigit():
        year = int(words[0])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = MONTHS[words[0]]
    year = now.year if month <= now.month else now.year - 1  # the latest such month
    return _month_span(year, month)


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _minus_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _window(text: str, now: dt.date) -> tuple[dt.date | None, dt.date | None, str] | None:
    one = dt.timedelta(days=1)
    m = re.search(rf"\b(?:between|from)\s+({_POINT})\s+(?:and|to|until)\s+({_POINT})\b", text)
    if m:
        return _span(m.group(1), now)[0], _span(m.group(2), now)[1], m.group(0)
    m = re.search(rf"\b(since|after|before|until|till|up to)\s+({_POINT})\b", text)
    if m:
        first, last = _span(m.group(2), now)
        word = m.group(1)
        if word == "since":
            return first, None, m.group(0)
        if word == "after":
            return last + one, None, m.group(0)
        if word == "before":
            return None, first - one, m.group(0)
        return None, last, m.group(0)
    m = re.search(
        r"\b(?:in\s+)?(?:the\s+)?(?:past|last)\s+(\d+|few)\s+(day|week|month|year)s\b", text
    )
    if m:
        n = 3 if m.group(1) == "few" else int(m.group(1))
        unit = m.group(2)
        start = (
            _minus_months(now, n * (12 if unit == "year" else 1))
            if unit
            in (
                "month",
                "year",
            )
            else now - dt.timedelta(days=n * _UNITS[unit])
        )
        return start, now, m.group(0)
    m = re.search(r"\b(?:in|over|during)\s+the\s+(?:past|last)\s+(day|week|month|year)\b", text)
    m = m or re.search(r"\bthe\s+past\s+(day|week|month|year)\b", text)
    m = m or re.search(r"\bpast\s+(day|week|month|year)\b", text)
    if m:
        unit = m.group(1)
        if unit in ("month", "year"):
            start = _minus_months(now, 1 if unit == "month" else 12)
        else:
            start = now - dt.timedelta(days=_UNITS[unit])
        return start, now, m.group(0)
    m = re.search(r"\b(this|last)\s+(week|month|year)\b", text)
    if m:
        this = m.group(1) == "this"
        unit = m.group(2)
        if unit == "week":
            monday = now - dt.timedelta(days=now.weekday())
            if this:
                return monday, now, m.group(0)
            return monday - 7 * one, monday - one, m.group(0)
        if unit == "month":
            first = now.replace(day=1)
            if this:
                return first, now, m.group(0)
            prev = first - one
            return prev.replace(day=1), prev, m.group(0)
        if this:
            return dt.date(now.year, 1, 1), now, m.group(0)
        return dt.date(now.year - 1, 1, 1), dt.date(now.year - 1, 12, 31), m.group(0)
    m = re.search(r"\b(today|yesterday)\b", text)
    if m:
        day = now if m.group(1) == "today" else now - one
        return day, day, m.group(0)
    m = re.search(rf"\b(?:in|during|of|for|throughout)\s+(?:early\s+|late\s+)?({_POINT})\b", text)
    m = m or re.search(rf"\b({_MONTH}\s+{_YEAR})\b", text)
    if m:
        first, last = _span(m.group(1), now)
        return first, last, m.group(0)
    return None


def parse(question: str, now: dt.date) -> TimeWindow:
    """The date window (and recency wish) the question's time expression asks for."""
    text = " ".join(question.lower().split())
    recent = bool(_RECENT.search(text))
    try:
        found = _window(text, now)
    except (ValueError, OverflowError):  # a date out of range: no window
        found = None
    if found is None:
        matched = _RECENT.search(text)
        words = _as_written(matched.group(0), question) if matched else ""
        return TimeWindow(prefer_recent=recent, matched=words)
    first, last, matched = found
    return TimeWindow(
        date_from=first.isoformat() if first else "",
        date_to=last.isoformat() if last else "",
        prefer_recent=recent,
        matched=_as_written(matched, question),
    )


def _as_written(matched: str, question: str) -> str:
    """The matched words as the question wrote them ("in March 2005", not "in march
    2005"): notes quote them back to the reader."""
    pattern = r"\s+".join(re.escape(word) for word in matched.split())
    found = re.search(pattern, question, re.I)
    return " ".join(found.group(0).split()) if found else matched
