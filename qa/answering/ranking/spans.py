"""Short-answer candidates: the spans of a sentence that could be the answer, with features.

A candidate is a run of 1-6 tokens that does not cross punctuation and neither starts nor
ends with a stopword. Its features say what kind of thing it is (a number, a date, a name),
whether the question already names it, and how close it sits to the question's words in
the sentence; the learned span model (``qa/answering/ranking/learned.py``) scores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.answering.question.expected import DATE_RE
from qa.answering.ranking.features import KINDS, Question
from qa.text.terms import STOPWORDS, terms

_TOKEN = re.compile(r"[$£€]?\d[\d,.]*\d%?|[$£€]?\d%?|\w+(?:[’'.-]\w+)*|[^\w\s]")
_PREPOSITIONS = frozenset(
    (
        "in",
        "on",
        "at",
        "by",
        "since",
        "from",
        "during",
        "of",
        "to",
        "for",
        "with",
        "into",
        "after",
        "before",
    )
)
_MONTHS = frozenset(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    )
)
_UNITS = frozenset(
    (
        "million",
        "billion",
        "thousand",
        "hundred",
        "bn",
        "m",
        "km",
        "kg",
        "percent",
        "per",
        "cent",
        "years",
    )
)
NUMBER_WORDS = frozenset(
    (
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "billion",
    )
)
MAX_TOKENS = 6


@dataclass
class Span:
    start: int  # offsets in the sentence
    end: int
    text: str
    score: float = 0.0


def tokens(sentence: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(sentence)]


def _is_word(tok: str) -> bool:
    return tok[0].isalnum() or tok[0] in "$£€"


def span_candidates(sentence: str) -> list[tuple[int, int]]:
    """(first token, last token + 1) of each candidate span."""
    toks = tokens(sentence)
    out = []
    for i, (_, _, first) in enumerate(toks):
        if not _is_word(first) or first.lower() in STOPWORDS:
            continue
        for j in range(i, min(i + MAX_TOKENS, len(toks))):
            tok = toks[j][2]
            if not _is_word(tok):
                break
            if tok.lower() not in STOPWORDS:
                out.append((i, j + 1))
    return out


SPAN_FEATURES = [
    "length",
    "single",
    "caps",
    "caps_first",
    "sentence_start",
    "has_digit",
    "money",
    "percent",
    "year",
    "date",
    "month",
    "number_word",
    "unit_after",
    "q_overlap",
    "q_any",
    "distance",
    "window_cov",
    "after_preposition",
    "after_article",
    "before_punct",
    "inner_stopword",
    "position",
    "maximal_caps",
    "sentence_score",
    *[f"{k}_{t}" for k in KINDS for t in ("num", "date", "caps", "lower")],
]


def span_features(
    q: Question, sentence: str, sentence_score: float
) -> tuple[list[Span], np.ndarray]:
    """The candidate spans of ``sentence`` and one row of SPAN_FEATURES for each."""
    toks = tokens(sentence)
    cands = span_candidates(sentence)
    if not cands:
        return [], np.zeros((0, len(SPAN_FEATURES)))
    q_terms = set(q.terms)
    weight = dict(zip(q.terms, q.weights, strict=True))
    stems = [(terms(t[2]) or [""])[0] for t in toks]
    hits = [i for i, s in enumerate(stems) if s and s in q_terms]
    total_weight = max(float(sum(q.weights)), 1e-9)
    caps = [t[2][:1].isupper() for t in toks]
    spans, rows = [], []
    n = len(toks)
    for i, j in cands:
        text = sentence[toks[i][0] : toks[j - 1][1]]
        low = [t[2].lower() for t in toks[i:j]]
        span_stems = {s for s in stems[i:j] if s}
        inside = len(span_stems & q_terms)
        outside_hits = [h for h in hits if h < i or h >= j]
        distance = min((min(abs(h - i), abs(h - (j - 1))) for h in outside_hits), default=20)
        window = {stems[h] for h in outside_hits if i - 6 <= h < j + 6}
        is_caps = all(caps[k] or low[k - i] in STOPWORDS for k in range(i, j)) and caps[i]
        has_digit = any(ch.isdigit() for ch in text)
        is_date = bool(DATE_RE.fullmatch(text))
        kind_type = (
            "num"
            if has_digit or low[0] in NUMBER_WORDS
            else "date"
            if is_date
            else ("caps" if is_caps else "lower")
        )
        row = {
            "length": (j - i) / MAX_TOKENS,
            "single": float(j - i == 1),
            "caps": sum(caps[i:j]) / (j - i),
            "caps_first": float(caps[i] and i > 0),
            "sentence_start": float(i == 0),
            "has_digit": float(has_digit),
            "money": float(text[:1] in "$£€" or "dollar" in low or "pounds" in low),
            "percent": float(text.endswith("%") or "percent" in low or "cent" in low),
            "year": float(bool(re.fullmatch(r"(1[5-9]|20)\d\d", text))),
            "date": float(is_date),
            "month": float(bool(_MONTHS & set(low))),
            "number_word": float(low[0] in NUMBER_WORDS),
            "unit_after": float(j < n and toks[j][2].lower() in _UNITS),
            "q_overlap": inside / max(len(span_stems), 1),
            "q_any": float(inside > 0),
            "distance": min(distance, 20) / 20.0,
            "window_cov": sum(weight[s] for s in window) / total_weight,
            "after_preposition": float(i > 0 and toks[i - 1][2].lower() in _PREPOSITIONS),
            "after_article": float(i > 0 and toks[i - 1][2].lower() in ("the", "a", "an")),
            "before_punct": float(j >= n or not _is_word(toks[j][2])),
            "inner_stopword": float(any(w in STOPWORDS for w in low)),
            "position": i / max(n, 1),
            "maximal_caps": float(
                is_caps and (i == 0 or not caps[i - 1]) and (j >= n or not caps[j])
            ),
            "sentence_score": sentence_score,
        }
        for k in KINDS:
            for t in ("num", "date", "caps", "lower"):
                row[f"{k}_{t}"] = float(q.kind == k and kind_type == t)
        spans.append(Span(toks[i][0], toks[j - 1][1], text))
        rows.append([row[name] for name in SPAN_FEATURES])
    return spans, np.array(rows, dtype=np.float64)
