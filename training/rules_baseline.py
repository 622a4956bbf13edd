"""The hand-set rules the learned answerer replaced, kept here to compare on the same folds.

This is the scoring of the previous release (0.5 dense + 0.5 IDF coverage + an answer-type
bonus, abstain under 0.45, headlines never answers, short answers only for who, when and
how many), written against the same retrieved passages and the same embedding cache.
"""

from __future__ import annotations

import re

import numpy as np

from qa.answering.question.expected import DATE_RE, NUMBER_RE
from qa.text.sentences import sentence_spans
from qa.text.terms import terms, words

THRESHOLD = 0.45
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
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
            if not {w.lower() for w in words(m.group(0))} <= asked:
                return m.group(0)
    return ""


def answer(question: str, qvec, passages, idf, embed) -> dict:
    """{abstained, quotes: [(article, text)], short, score} as the old rules answered."""
    q_terms = list(dict.fromkeys(terms(question)))
    q_numbers = set(_NUMBER.findall(question))
    qtype = question_type(question)
    cands = []
    for rank, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            text = p.text[s:e]
            if len(words(text)) < 4 or text.strip().lower() == p.title.strip().lower():
                continue
            s_terms, t_terms = set(terms(text)), set(terms(p.title))
            total = sum(idf(t) for t in q_terms)
            hit = sum(
                idf(t) * (1.0 if t in s_terms else 0.5 if t in t_terms else 0.0) for t in q_terms
            )
            cov = hit / total if total else 0.0
            cands.append(
                {"p": p, "text": text, "start": p.start + s, "cov": cov, "prior": -rank * 0.01}
            )
    cands.sort(key=lambda c: c["cov"] + c["prior"], reverse=True)
    cands = cands[:10]
    if not cands:
        return {"abstained": True, "quotes": [], "short": "", "score": 0.0}
    sims = embed([c["text"] for c in cands]) @ np.asarray(qvec, dtype=np.float32)
    for c, sim in zip(cands, sims, strict=True):
        typed = None if qtype == "other" else bool(short_answer(qtype, c["text"], question))
        bonus = 0.0 if typed is None else (0.1 if typed else -0.1)
        if q_numbers - set(_NUMBER.findall(c["p"].text)):
            bonus -= 0.15
        c["score"] = 0.5 * float(sim) + 0.5 * c["cov"] + bonus
    cands.sort(key=lambda c: c["score"], reverse=True)
    best = cands[0]
    if best["score"] < THRESHOLD:
        return {"abstained": True, "quotes": [], "short": "", "score": best["score"]}
    chosen = [best]
    for c in cands[1:]:
        if len(chosen) >= 2:
            break
        if c["start"] != best["start"] and c["score"] >= max(THRESHOLD, best["score"] - 0.05):
            chosen.append(c)
    return {
        "abstained": False,
        "quotes": [(c["p"].article, c["text"]) for c in chosen],
        "short": short_answer(qtype, best["text"], question),
        "score": best["score"],
    }
