"""What kind of answer a question asks for, and finding it in a sentence."""

from __future__ import annotations

import re

from qa.text.terms import words

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
NAME_RE = re.compile(r"\b[A-Z][a-z]+(?:[-\s](?:[A-Z][a-z]+|al|bin|van|de|von))*(?:\s[A-Z][a-z]+)+")


def question_type(question: str) -> str:
    q = question.lower().strip()
    if re.match(r"(when|what (year|date|day|month|time)|in (what|which) year|by when)\b", q):
        return "when"
    if re.search(r"\bhow (many|much)\b|\bwhat (number|percentage|share|amount)\b", q):
        return "number"
    if re.match(r"(who|whom|whose)\b", q) or re.search(r"\bwhat is (his|her) name\b", q):
        return "who"
    if re.match(r"where\b", q):
        return "where"
    return "other"


def short_answer(qtype: str, sentence: str, question: str) -> str:
    """The date, number or name in ``sentence`` that answers a when/how-many/who question."""
    asked = {w.lower() for w in words(question)}
    if qtype == "when":
        m = DATE_RE.search(sentence)
        return m.group(0) if m else ""
    if qtype == "number":
        for m in NUMBER_RE.finditer(sentence):
            if not DATE_RE.fullmatch(m.group(0).strip()):
                return m.group(0).strip()
        return ""
    if qtype in ("who", "where"):
        for m in NAME_RE.finditer(sentence):
            name = m.group(0)
            if not {w.lower() for w in words(name)} <= asked:
                return name
    return ""


def has_type(qtype: str, sentence: str, question: str) -> bool | None:
    """Whether the sentence holds the asked-for kind of thing (None: no expectation)."""
    if qtype == "other":
        return None
    return bool(short_answer(qtype, sentence, question))
