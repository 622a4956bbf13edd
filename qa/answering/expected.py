"""What kind of answer a question asks for, and the patterns that find such answers."""

from __future__ import annotations

import re

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
DATE_RE = re.compile(
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+(?:{MONTHS})\s+\d{{4}}"
    rf"|(?:{MONTHS})\s+\d{{4}}|(?:19|20)\d\d|monday|tuesday|wednesday|thursday|friday|saturday|"
    rf"sunday|yesterday|today|last (?:week|month|year))\b",
    re.I,
)
NUMBER_RE = re.compile(
    r"(?:(?:more than|over|about|around|nearly|almost|at least|up to|some|roughly)\s+)?"
    r"[$£€]?\d[\d,.]*(?:\s?(?:%|bn|m|k|million|billion|thousand|hundred))?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion)\b",
    re.I,
)


def expected_type(question: str) -> str:
    """What kind of answer the question asks for: one of ``qa.answering.features.KINDS``."""
    q = question.lower().strip()
    if re.match(r"(when|what (year|date|day|month|time)|in (what|which) year|by when)\b", q):
        return "when"
    if re.search(
        r"\bhow (many|much|long|old|far|big|large)\b|\bwhat (number|percentage|share|amount)\b", q
    ):
        return "number"
    if re.match(r"(who|whom|whose)\b", q) or re.search(r"\bwhat is (his|her) name\b", q):
        return "who"
    if re.match(r"where\b", q):
        return "where"
    for kind in ("which", "what", "why", "how"):
        if re.match(rf"{kind}\b", q) or re.search(
            rf"[,;:] {kind}\b|\b(in|of|on|by|for|to) {kind}\b", q
        ):
            return kind
    return "other"
