"""Sentence-level scoring of retrieved passages, used to rerank them.

Each sentence of the retrieved passages is scored by IDF-weighted coverage of the
question's terms, by embedding similarity to the question, and by whether it holds
the kind of thing asked for (a date for "when", a number for "how many", a name for
"who"). A passage ranks by its best sentence. The extractive answerer quotes the
best sentences; the LLM path sees the passages in this order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.answering.expected import has_type, question_type
from qa.text.sentences import sentence_spans
from qa.text.terms import terms, words
from qa.types import Passage

_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


@dataclass
class Candidate:
    """A sentence of a retrieved passage; ``start``/``end`` are article offsets."""

    passage: Passage
    start: int
    end: int
    text: str
    prior: float = 0.0  # retrieval rank, as a tie-breaker before embedding
    coverage: float = 0.0
    dense: float = 0.0
    typed: bool | None = None
    score: float = 0.0


class SentenceReranker:
    def __init__(self, embedder, idf, prefilter: int = 10):
        self.embedder = embedder
        self.idf = idf  # term -> weight, from the retriever's corpus statistics
        self.prefilter = prefilter

    def candidates(self, passages: list[Passage]) -> list[Candidate]:
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
        """The most promising sentences, scored and sorted best first."""
        q_terms = list(dict.fromkeys(terms(question)))
        q_numbers = set(_NUMBER.findall(question))
        qtype = question_type(question)
        cands = self.candidates(passages)
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
            if q_numbers - set(_NUMBER.findall(c.passage.text)):
                bonus -= 0.15
            c.score = 0.5 * c.dense + 0.5 * c.coverage + bonus
        cands.sort(key=lambda c: c.score, reverse=True)
        return cands


def rerank(passages: list[Passage], ranked: list[Candidate]) -> list[Passage]:
    """Passages by their best sentence's score; unscored passages keep their order after."""
    best: dict[str, float] = {}
    for c in ranked:
        best[c.passage.chunk_id] = max(best.get(c.passage.chunk_id, -9.0), c.score)
    scored = sorted((p for p in passages if p.chunk_id in best), key=lambda p: -best[p.chunk_id])
    return scored + [p for p in passages if p.chunk_id not in best]
