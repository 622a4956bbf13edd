"""What kind of answer a question asks for, and the patterns that find such answers."""

from __future__ import annotations

import re

from qa.text.terms import terms, words

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
    """What kind of answer the question asks for: one of ``qa.answering.ranking.features.KINDS``."""
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


# "What model of helicopter ...?", "What is the name of ...?": the word naming the answer's
# category is not expected in the sentence that answers.
_CATEGORY = re.compile(
    r"^\W*(?:what|which)\s+(?:(?:is|was|are|were)\s+the\s+)?(type|kind|sort|model|make|"
    r"brand|name|form|class|version|variety|category|breed)s?\s+of\b",
    re.I,
)


def category_word(question: str) -> str:
    """The word naming the answer's category ("model" in "What model of ..."), or ""."""
    m = _CATEGORY.match(question)
    return m.group(1) if m else ""


_HOW_MANY = re.compile(r"\bhow many\s+((?:[\w'-]+\s+){0,2}[\w'-]+)", re.I)
_NOT_COUNTED = {
    "are", "is", "was", "were", "did", "do", "does", "will", "would", "have", "has", "had",
    "can", "could", "should", "may", "might", "of", "in", "on", "at", "to", "for", "per",
}  # fmt: skip


def counted_terms(question: str) -> list[str]:
    """The stemmed words of what "how many" counts (up to 3, to the first verb or preposition)."""
    m = _HOW_MANY.search(question)
    if not m:
        return []
    counted = []
    for w in m.group(1).split():
        if w.lower() in _NOT_COUNTED:
            break
        counted.append(w)
    return terms(" ".join(counted))


def has_count(text: str, counted: frozenset[str] = frozenset(), window: int = 8) -> bool:
    """Whether a number in ``text`` that is not a date counts one of ``counted`` (named
    within ``window`` words after it: "four Indian Air Force Mi-25 gunship helicopters");
    any such number when ``counted`` is empty (what a bare "how many" asks for)."""
    for m in NUMBER_RE.finditer(text):
        if DATE_RE.fullmatch(m.group(0).strip()):
            continue
        if not counted or counted & set(terms(" ".join(words(text[m.end() :])[:window]))):
            return True
    return False


def type_mismatch(question: str, answer: str) -> float:
    """1.0 when ``answer`` is not the kind of thing ``question`` asks for (a "how much" paid
    without a sum of money, a "how many" without a number, a "when" without a date, a "who"
    without a name), else 0.0: a look-alike's answer is often of the wrong kind ("How much
    did the BBC pay him?" -> "One Night")."""
    kind = expected_type(question)
    if asks_money(question) and not MONEY_RE.search(answer):
        return 1.0
    if kind == "number":
        return 0.0 if NUMBER_RE.search(answer) else 1.0
    if kind == "when":
        return 0.0 if DATE_RE.search(answer) or re.search(r"\d", answer) else 1.0
    if kind == "who":
        return 0.0 if any(w[:1].isupper() for w in answer.split()) else 1.0
    return 0.0


_REASON = re.compile(
    r"^\W*(?:why\b|how (?:is|are|was|were|do|does|did|can|could|will|would|has|have|had|"
    r"should|might|may)\b|for what reason\b|what (?:caused|made|led)\b)",
    re.I,
)


def asks_reason(question: str) -> bool:
    """A why or how question ("Why is Russia worried?", "How is Russia helping?"), not a
    how many/much/long: its answer is a reason or a manner, a clause."""
    return bool(_REASON.search(question))


def bare_reason(question: str, short: str) -> bool:
    """A why/how question's short answer that is a bare noun phrase rather than the reason
    or manner it asks for ("ISIL" for "Why is Russia worried about Central Asia?"): fewer
    than four words. Never shown in bold."""
    return asks_reason(question) and len(short.split()) < 4
