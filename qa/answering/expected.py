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

# "How much did X pay / does it cost / ...?" asks for money, not any number ("four
# helicopters" does not answer "How much did Russia pay India for the helicopters?").
_ASKS_MONEY = re.compile(
    r"\bhow much\b.*\b(money|pay|paid|pays|cost|costs|price|priced|spend|spent|worth|earn|"
    r"earned|earns|raise|raised|sell|sold|buy|bought|charge|charged|fine|fined|offer|offered|"
    r"bid|invest|invested|fund|funding|salary|wage|fee|fees|owe|owed|lose|lost|profit|profits|"
    r"revenue|sales|debt|loss|losses|compensation|damages|budget|bonus|tax|taxes|prize)\b"
    r"|\bwhat (price|sum|fee)\b",
    re.I,
)
MONEY_RE = re.compile(
    r"[$£€¥]\s?\d|\b\d[\d,.]*\s?(?:dollars|pounds|euros|yen|rupees|pence|cents)\b"
    r"|\b(?:dollars|pounds|euros)\b",
    re.I,
)


def asks_money(question: str) -> bool:
    """Whether a "how much" question asks for a sum of money."""
    return bool(_ASKS_MONEY.search(question))


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
