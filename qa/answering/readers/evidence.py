"""What the reader reads, and what its reading means for the answer.

The sentence reranker (``ranking/rerank.py``) picks the sentences worth reading; each is
read with the sentences around it in its passage (a pronoun's name, the clause an answer
leans on), overlapping snippets merged. The reader's best span over all snippets is the
short answer; the sentence that holds it is the quote. P(answerable) combines the
reader's no-answer odds (in the answer's window and in the surest one, and the probability
it gives all its spans) with the learned answerer's P(answerable) (``ReaderModels``,
fitted by ``training/reader.py`` on questions it did not train on).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answering.question.expected import type_mismatch
from qa.answering.ranking.features import Candidate, candidates
from qa.answering.ranking.learned import Model, ModelError, model_from_dict
from qa.answering.ranking.rerank import Scored
from qa.answering.readers.decode import tidy
from qa.answering.readers.reader import Reader, Reading
from qa.text.terms import STOPWORDS
from qa.types import Passage

CALIBRATION_PATH = Path(__file__).resolve().parents[1] / "models" / "reader.json"
SPANS_PER_WINDOW = 3  # the candidates a window offers
SENTENCE_WEIGHT = 1.0  # how much the reranker's P(sentence holds the answer) counts
# best_margin: the strongest span-against-no-answer odds of any window read (the answer's
# own window may not be the surest); mass: the log of the probability the reader gives
# all the spans it offers. With these two, leave-one-article-out on the 2,613 held-out
# squad2-dev questions, refusals set right 4 in 5 refused 37% of the unanswerables, right
# 79% of the time (without them 31% at 78%; training/calibrate_reader.py).
# Every feature the reader offers P(answerable); a fitted model names those it uses (the
# shipped reader.json may use fewer). names_missing / numbers_missing: the share of the
# question's names (capitalised words past its first) and numbers that the answer's
# sentence does not hold, and of its names that the whole snippet read around it does not
# hold: a look-alike asks of another person, year or place than the sentence's ("Who
# replaced Ranieri as Valencia coach?" of "Mourinho replaced him at Chelsea"); type_mismatch:
# the answer is not of the kind asked (``expected.type_mismatch``).
ANSWERABLE_FEATURES = [
    "prior_logit",
    "margin",
    "score",
    "best_margin",
    "mass",
    "names_missing",
    "names_missing_snippet",
    "numbers_missing",
    "type_mismatch",
]
SHORT_FEATURES = ["score", "margin"]


@dataclass
class ReaderModels:
    """P(answerable) from the prior and the reader, and P(the span is exactly right)."""

    answerable: Model
    short: Model
    info: dict


@functools.lru_cache(maxsize=4)
def load_reader_models(path: str | None = None) -> ReaderModels:
    file = Path(path) if path else CALIBRATION_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        answerable, short = model_from_dict(data["answerable"]), model_from_dict(data["short"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"cannot load the reader's models from {file}: {exc}") from exc
    known = set(ANSWERABLE_FEATURES)
    if not set(answerable.features) <= known or short.features != SHORT_FEATURES:
        raise ModelError(f"{file} was fitted on other features; rerun training/reader.py")
    return ReaderModels(answerable, short, data.get("info", {}))


@dataclass
class Snippet:
    passage: Passage
    start: int  # article offsets
    end: int

    @property
    def text(self) -> str:
        return self.passage.text_at(self.start, self.end)


@dataclass
class Read:
    """The reader's outcome for one question (``state["read"]`` in the chain)."""

    reading: Reading
    snippets: list[Snippet]
    prior: float  # the learned answerer's P(answerable)
    answerable: float = 0.0  # combined
    short_confidence: float = 0.0
    passage: Passage | None = None  # the best span's passage
    start: int = -1  # the best span's article offsets
    end: int = -1
    sentence: Candidate | None = None  # the sentence that holds the best span
    question: str = ""  # as the reader read it
    snippet: str = ""  # the text read around the best span

    @property
    def span_text(self) -> str:
        return self.passage.text_at(self.start, self.end) if self.passage else ""

    def features(
        self, answerable_names: list[str] | None = None
    ) -> tuple[list[float], list[float]]:
        """(answerable features, short-answer features), as the models take them: the
        answerable ones named (default: every one the reader offers)."""
        p = min(max(self.prior, 1e-4), 1 - 1e-4)
        score = self.reading.best.score if self.reading.best else -30.0
        margin = max(self.reading.margin, -30.0)
        spans = self.reading.spans
        best_margin = max([s.margin for s in spans], default=-30.0)
        top = max((s.score for s in spans), default=-30.0)
        mass = top + math.log(sum(math.exp(s.score - top) for s in spans)) if spans else top
        sentence = self.sentence.text if self.sentence else ""
        names, numbers = asked_names(self.question), asked_numbers(self.question)
        values = {
            "prior_logit": math.log(p / (1 - p)),
            "margin": margin,
            "score": score,
            "best_margin": max(best_margin, -30.0),
            "mass": mass,
            "names_missing": missing(names, sentence),
            "names_missing_snippet": missing(names, self.snippet or sentence),
            "numbers_missing": missing(numbers, sentence),
            "type_mismatch": type_mismatch(self.question, self.span_text),
        }
        answerable = [values[n] for n in answerable_names or ANSWERABLE_FEATURES]
        return answerable, [score, margin]


_NAME = re.compile(r"(?<=\s)[A-Z][\w'’.-]*[\w]")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def asked_names(question: str) -> list[str]:
    """The question's names: its capitalised words past the first ("Valencia", "Ranieri")."""
    out = []
    for w in _NAME.findall(question):
        w = re.sub(r"['’]s$", "", w)
        if w.lower() not in STOPWORDS:
            out.append(w)
    return list(dict.fromkeys(out))


def asked_numbers(question: str) -> list[str]:
    return list(dict.fromkeys(n.replace(",", "") for n in _NUMBER.findall(question)))


def missing(asked: list[str], text: str) -> float:
    """The share of ``asked`` that ``text`` does not hold (a name by its first five letters,
    so "Russian" is found in "Russia's"; a number as written, commas aside)."""
    if not asked:
        return 0.0
    plain = text.replace(",", "").lower()
    return sum(1 for a in asked if a[:5].lower() not in plain) / len(asked)


def snippets(scored: Scored, limit: int) -> list[Snippet]:
    """The best ``limit`` sentences with their neighbours, merged where they overlap, in
    the order of their best sentence."""
    out: list[Snippet] = []
    for c in scored.sentences[:limit]:
        p = c.passage
        start = c.prev_start if c.prev_start >= 0 else c.start
        end = c.end
        if c.next:
            at = p.text.find(c.next, c.end - p.start)
            if at >= 0:
                end = p.start + at + len(c.next)
        for s in out:
            if s.passage.chunk_id == p.chunk_id and start <= s.end and s.start <= end:
                s.start, s.end = min(s.start, start), max(s.end, end)
                break
        else:
            out.append(Snippet(p, start, end))
    return out


def holding_sentence(scored: Scored, passage: Passage, start: int, end: int) -> Candidate:
    """The sentence of ``passage`` that holds [start, end): the scored one when it was
    scored, else a new candidate scored like the best sentence (the reader vouches)."""
    for c in scored.sentences:
        if c.passage.chunk_id == passage.chunk_id and c.start <= start < c.end:
            return c
    best_score = scored.sentences[0].score if scored.sentences else 1.0
    sentences = candidates([passage])
    found = [c for c in sentences if c.start <= start < c.end]
    if not found:  # a span that starts between sentences: take the one it ends in
        found = [c for c in sentences if c.start < end <= c.end]
    if not found:
        found = [Candidate(passage, 0, start, end, passage.text_at(start, end), 0)]
    c = found[0]
    c.score = best_score
    return c


def read(
    reader: Reader,
    models: ReaderModels | None,
    scored: Scored,
    limit: int,
    asked: str | None = None,
) -> Read:
    """Read the best sentences of ``scored`` for its question (or for ``asked``, the
    question as the reader should read it); combine the verdicts (``models`` None: only
    the features, for fitting the models).

    The answer is the span with the best reader score plus the log of the reranker's
    P(its sentence holds the answer): the reader reads words, the reranker has seen the
    whole passage set; a span never runs across a paragraph break (a heading) or past
    the end of the sentence it starts in."""
    parts = snippets(scored, limit)
    question = asked or scored.question.text
    reading = reader.read(question, [s.text for s in parts], top=SPANS_PER_WINDOW)
    out = Read(reading, parts, scored.answerable, question=question)
    floor = min((c.score for c in scored.sentences), default=0.01)
    best = None
    for span in reading.spans:
        snip = parts[span.passage]
        start, end = snip.start + span.start, snip.start + span.end
        if "\n" in snip.passage.text_at(start, end):
            continue
        sentence = holding_sentence(scored, snip.passage, start, end)
        if end > sentence.end + 1:  # a short answer runs across no sentence end
            continue
        own = next((c.score for c in scored.sentences if c is sentence), floor)
        value = span.score + SENTENCE_WEIGHT * math.log(max(own, 1e-3))
        if best is None or value > best[0]:
            best = (value, span, snip, start, end, sentence)
    if best is not None:
        _, span, snip, start, end, out.sentence = best
        out.snippet = snip.text
        out.passage = p = snip.passage
        start, end = tidy(p.text, start - p.start, end - p.start)  # no unclosed bracket
        out.start, out.end = p.start + start, p.start + end
        out.reading = Reading(span, reading.spans, reading.null)
    if models is None:
        return out
    x_answerable, x_short = out.features(models.answerable.features)
    out.answerable = float(models.answerable.proba(np.array(x_answerable))[0])
    out.short_confidence = float(models.short.proba(np.array(x_short))[0])
    return out


def rerank_by_reading(passages: list[Passage], done: Read | None) -> list[Passage]:
    """The passage holding the reader's answer first; the others keep their order."""
    if done is None or done.passage is None:
        return passages
    first = [p for p in passages if p.chunk_id == done.passage.chunk_id]
    return first + [p for p in passages if p.chunk_id != done.passage.chunk_id]
