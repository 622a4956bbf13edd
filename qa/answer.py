"""The extractive answerer: quote the retrieved sentences that best answer the question.

Nothing is generated, so nothing is invented. Each sentence is scored by
IDF-weighted coverage of the question's terms, by embedding similarity to the
question, and by whether it holds the kind of thing asked for (a date for
"when", a number for "how many", a name for "who"). Below a calibrated evidence
threshold the answerer abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.sentences import sentence_spans
from qa.textutil import terms, words
from qa.types import Citation, Passage

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


@dataclass
class Candidate:
    passage: Passage
    start: int  # offsets in the article
    end: int
    text: str
    prior: float = 0.0  # retrieval rank, as a tie-breaker before embedding
    coverage: float = 0.0
    dense: float = 0.0
    typed: bool | None = None
    score: float = 0.0


@dataclass
class Extracted:
    """What the extractive answerer found (the service turns it into an Answer)."""

    answer: str
    short_answer: str
    abstained: bool
    citations: list[Citation]
    confidence: float
    passage_order: list[str]  # chunk ids, the passage holding the best sentence first


class ExtractiveAnswerer:
    """Pick, score and quote sentences from the retrieved passages."""

    def __init__(self, embedder, idf, settings, prefilter: int = 10):
        self.embedder = embedder
        self.idf = idf  # term -> weight, from the retriever's corpus statistics
        self.settings = settings
        self.prefilter = prefilter

    def candidates(self, question: str, passages: list[Passage]) -> list[Candidate]:
        out = []
        for rank, p in enumerate(passages):
            for s, e in sentence_spans(p.text):
                text = p.text[s:e]
                if len(words(text)) < 4:  # headings, datelines, "Updated on"
                    continue
                if text.strip().lower() == p.title.strip().lower():
                    continue  # a headline restates the topic; it does not answer
                out.append(Candidate(p, p.start + s, p.start + e, text, prior=-rank * 0.01))
        return out

    def coverage(self, q_terms: list[str], text: str, title: str) -> float:
        """IDF-weighted share of the question's terms found in the sentence (title: half)."""
        if not q_terms:
            return 0.0
        s_terms, t_terms = set(terms(text)), set(terms(title))
        total = sum(self.idf(t) for t in q_terms)
        hit = sum(
            self.idf(t) * (1.0 if t in s_terms else 0.5 if t in t_terms else 0.0) for t in q_terms
        )
        return hit / total if total else 0.0

    def score(self, question: str, query_vector, passages: list[Passage]) -> list[Candidate]:
        """Candidates sorted best first, with their scores."""
        q_terms = list(dict.fromkeys(terms(question)))
        q_numbers = set(re.findall(r"\d[\d,.]*\d|\d", question))
        qtype = question_type(question)
        cands = self.candidates(question, passages)
        for c in cands:
            c.coverage = self.coverage(q_terms, c.text, c.passage.title)
        # Embed only the most promising sentences: keeps a query well under 100 ms.
        cands.sort(key=lambda c: c.coverage + c.prior, reverse=True)
        cands = cands[: self.prefilter]
        if not cands:
            return []
        vectors = self.embedder.encode([c.text for c in cands])
        sims = vectors @ np.asarray(query_vector, dtype=np.float32)
        for c, sim in zip(cands, sims, strict=True):
            c.dense = float(sim)
            c.typed = has_type(qtype, c.text, question)
            bonus = 0.0 if c.typed is None else (0.1 if c.typed else -0.1)
            # A number the question names ("2010", "PlayStation 5") is a hard constraint.
            if q_numbers - set(re.findall(r"\d[\d,.]*\d|\d", c.passage.text)):
                bonus -= 0.15
            c.score = 0.5 * c.dense + 0.5 * c.coverage + bonus
        cands.sort(key=lambda c: c.score, reverse=True)
        return cands

    def answer(self, question: str, query_vector, passages: list[Passage]) -> Extracted:
        ranked = self.score(question, query_vector, passages)
        order = rerank(passages, ranked)
        if not ranked or ranked[0].score < self.settings.abstain_threshold:
            confidence = ranked[0].score if ranked else 0.0
            return Extracted(ABSTAIN_TEXT, "", True, [], round(confidence, 4), order)
        best = ranked[0]
        chosen = [best]
        for c in ranked[1:]:
            if len(chosen) >= self.settings.max_answer_sentences:
                break
            overlaps = any(c.start < o.end and o.start < c.end for o in chosen)
            if not overlaps and c.score >= max(self.settings.abstain_threshold, best.score - 0.05):
                chosen.append(c)
        citations = [
            Citation(
                n=i,
                article=c.passage.article,
                title=c.passage.title,
                published=c.passage.published,
                chunk_id=c.passage.chunk_id,
                start=c.start,
                end=c.end,
                quote=c.text,
            )
            for i, c in enumerate(chosen, 1)
        ]
        text = " ".join(f"“{c.quote}” [{c.n}]" for c in citations)
        short = short_answer(question_type(question), best.text, question)
        return Extracted(text, short, False, citations, round(best.score, 4), order)


def rerank(passages: list[Passage], ranked: list[Candidate]) -> list[str]:
    """Passage ids by their best sentence's score; unscored passages keep their order."""
    best: dict[str, float] = {}
    for c in ranked:
        best[c.passage.chunk_id] = max(best.get(c.passage.chunk_id, -9.0), c.score)
    order = sorted(best, key=lambda cid: -best[cid])
    return order + [p.chunk_id for p in passages if p.chunk_id not in best]


ABSTAIN_TEXT = "The articles don't say. The closest passages are listed below."
