"""The extractive answerer: quote the retrieved sentences that best answer the question.

Nothing is generated, so nothing is invented. The sentences come scored from the
rerank stage (qa/answering/rerank.py); below a calibrated evidence threshold
(``Settings.abstain_threshold``) the answerer abstains.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answering.expected import question_type, short_answer
from qa.answering.rerank import Candidate
from qa.types import Citation

ABSTAIN_TEXT = "The articles don't say. The closest passages are listed below."


@dataclass
class Extracted:
    """What the extractive answerer found (the service turns it into an Answer)."""

    answer: str
    short_answer: str
    abstained: bool
    citations: list[Citation]
    confidence: float


class ExtractiveAnswerer:
    """Pick and quote the best-scored sentences, one citation each."""

    def __init__(self, settings):
        self.settings = settings

    def answer(self, question: str, ranked: list[Candidate]) -> Extracted:
        """Quote the best sentence(s) of ``ranked`` (from SentenceReranker.score)."""
        if not ranked or ranked[0].score < self.settings.abstain_threshold:
            confidence = ranked[0].score if ranked else 0.0
            return Extracted(ABSTAIN_TEXT, "", True, [], round(confidence, 4))
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
        return Extracted(text, short, False, citations, round(best.score, 4))
