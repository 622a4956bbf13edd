"""The extractive answerer: quote the sentences that best answer the question.

Nothing is generated, so nothing is invented. The sentences come scored by the learned
models (``qa/answering/ranking/rerank.py``); the answer is:

- nothing ("the articles don't say") when P(answerable) is under the trained threshold;
- else the best sentence, preceded by the sentence before it when it opens with a pronoun
  that sentence resolves, plus a second sentence when it scores nearly as well; sentences
  that follow each other in a paragraph are one citation (one quote);
- never the same sentence twice, and in a conversation, sentences not already quoted;
- the short answer: the span model's best span of the best sentence, with its probability
  (the page shows it in bold only at or above the span model's trained threshold).

With the neural reader (``readers/``), its reading decides instead: P(answerable) is the
combined one, the best sentence is the one that holds the reader's span, and the short
answer is that span, with the reader's P(exactly right).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from qa.answering.ranking.features import Candidate
from qa.answering.ranking.learned import AnswererModels
from qa.answering.ranking.rerank import Scored
from qa.answering.ranking.spans import span_features
from qa.answering.readers.evidence import Read, ReaderModels
from qa.types import Citation

ABSTAIN_TEXT = "The articles don't say. The closest passages are shown under Sources."
NOTHING_SEARCHED = "No article matches the filters set, so nothing was searched."
_PRONOUN_START = re.compile(
    r"^[\"“‘']?(he|she|it|they|his|her|its|their|this|that|these|those|the company|the firm)\b",
    re.I,
)
SECOND_RATIO = 0.6  # a second sentence must score at least this share of the best one
GIVEN_PENALTY = 0.6  # a sentence already quoted in the conversation loses this share


@dataclass
class Extracted:
    """What the extractive answerer found (the service turns it into an Answer)."""

    answer: str
    short_answer: str
    abstained: bool
    citations: list[Citation]
    confidence: float
    short_confidence: float = 0.0
    closest: Citation | None = None  # a refusal: the reader's nearest sentence


def quote(text: str) -> str:
    """The sentence in quotation marks, unless it already opens with one; a quotation it
    opens but does not close (it goes on in the next sentence) is closed after it, and one
    it closes without opening (begun in the sentence before) is opened before it, so that
    every mark shown has its pair."""
    if text.count('"') % 2:
        text = text + '"' if text.lstrip().startswith('"') else '"' + text
    opened, closed = text.count("“"), text.count("”")
    if opened > closed:
        text += "”" * (opened - closed)
    elif closed > opened:
        text = "“" * (closed - opened) + text
    return text if text[:1] in "\"“‘'" else f"“{text}”"


def _previous(c: Candidate) -> Candidate:
    return replace(
        c, start=c.prev_start, end=c.prev_end, text=c.prev, prev="", next=c.text, index=c.index - 1
    )


def nothing_found_text(excluded_undated: int, indexed: int) -> str:
    """Why an answer has no passage at all: the filters left no article to search."""
    if excluded_undated and excluded_undated >= indexed:
        which = (
            "The indexed article has no published date"
            if indexed == 1
            else f"None of the {indexed:,} indexed articles has a published date"
        )
        return f"{which}, so the date range leaves nothing to search. Clear the dates to search."
    if excluded_undated:
        n = excluded_undated
        return (
            f"No article matches the filters set: the date range leaves out the {n:,} "
            f"article{'s' if n != 1 else ''} without a published date, and no dated one matches."
        )
    return NOTHING_SEARCHED


def _given(c: Candidate, given: tuple[str, ...]) -> bool:
    return any(c.text in g for g in given)


def _joined(chosen: list[Candidate], given: tuple[str, ...] = ()) -> list[tuple]:
    """(passage, start, end, quote) per citation. A sentence that directly follows the
    previous one in the same paragraph joins its quote: the pronoun and the name it stands
    for, or a sentence and the next one that holds the answer, are one citation. Not when
    only one of them was quoted before in the conversation: the new one stays apart."""
    out: list[tuple] = []
    for i, c in enumerate(chosen):
        same_turn = i > 0 and _given(chosen[i - 1], given) == _given(c, given)
        if out and same_turn and _follows(out[-1], c):
            p, start, _, _ = out[-1]
            out[-1] = (p, start, c.end, p.text_at(start, c.end))
        else:
            out.append((c.passage, c.start, c.end, c.text))
    return out


def _follows(last: tuple, c: Candidate) -> bool:
    p, _, end, _ = last
    if c.passage is not p or c.start < end:
        return False
    gap = p.text_at(end, c.start)
    return not gap.strip() and "\n\n" not in gap


def short_answer(scored: Scored, best: Candidate, models: AnswererModels) -> tuple[str, float]:
    """The most likely span of the best sentence, and its probability."""
    spans, x = span_features(scored.question, best.text, best.score)
    if not spans:
        return "", 0.0
    probs = models.span.proba(x)
    i = int(np.argmax(probs))
    return spans[i].text, float(probs[i])


def compose(
    scored: Scored,
    models: AnswererModels,
    max_sentences: int = 2,
    given: tuple[str, ...] = (),
    read: Read | None = None,
    threshold: float | None = None,
) -> Extracted:
    """The answer for scored sentences, and the reader's reading when there is one (pure:
    the training scripts call it too). ``threshold``: abstain under it (default: the
    learned answerer's, or with a reading, the reader models' trained one)."""
    ranked = list(scored.sentences)
    if given:
        for c in ranked:
            if _given(c, given):
                c.score *= 1 - GIVEN_PENALTY
        ranked.sort(key=lambda c: -c.score)
    answerable = read.answerable if read is not None else scored.answerable
    if threshold is None:
        threshold = models.answerable.threshold
    confidence = round(answerable, 4)
    if not ranked or answerable < threshold:
        closest = None
        if read is not None and read.sentence is not None:
            s = read.sentence
            closest = Citation.of(0, s.passage, s.start, s.end, s.text)
        return Extracted(ABSTAIN_TEXT, "", True, [], confidence, closest=closest)
    if read is not None and read.sentence is not None:
        ranked = [read.sentence, *(c for c in ranked if not c.overlaps(read.sentence))]
    best = ranked[0]
    chosen = [best]
    if _PRONOUN_START.match(best.text) and best.prev and max_sentences > 1:
        chosen.insert(0, _previous(best))
    for c in ranked[1:]:
        if len(chosen) >= max_sentences:
            break
        if any(c.overlaps(o) or c.text == o.text for o in chosen):
            continue
        if c.score >= SECOND_RATIO * best.score:
            chosen.append(c)
    citations = [Citation.of(i, *span) for i, span in enumerate(_joined(chosen, given), 1)]
    text = " ".join(f"{quote(c.quote)} [{c.n}]" for c in citations)
    if read is not None and read.sentence is not None:
        short, p_short = read.span_text, read.short_confidence
    else:
        short, p_short = short_answer(scored, best, models)
    return Extracted(text, short, False, citations, confidence, round(p_short, 4))


class ExtractiveAnswerer:
    """Quote the best-scored sentences, one citation each."""

    def __init__(self, settings, models: AnswererModels, reader_models: ReaderModels | None = None):
        self.settings = settings
        self.models = models
        self.reader_models = reader_models
        if settings.abstain_threshold is not None:  # a user's override of the trained one
            self.models = replace(
                models, answerable=replace(models.answerable, threshold=settings.abstain_threshold)
            )

    @property
    def threshold(self) -> float:
        """Abstain when P(answerable) is under this."""
        if self.settings.abstain_threshold is not None or self.reader_models is None:
            return self.models.answerable.threshold
        return self.reader_models.answerable.threshold

    @property
    def short_threshold(self) -> float:
        """The short answer is shown in bold at or above this P(exactly right)."""
        if self.reader_models is None:
            return self.models.span.threshold
        return self.reader_models.short.threshold

    def answer(
        self, scored: Scored, history: list[dict] | None = None, read: Read | None = None
    ) -> Extracted:
        given = tuple(
            m["content"]
            for m in history or []
            if m.get("role") == "assistant" and isinstance(m.get("content"), str)
        )
        return compose(
            scored,
            self.models,
            self.settings.max_answer_sentences,
            given,
            read if self.reader_models is not None else None,
            self.threshold,
        )
