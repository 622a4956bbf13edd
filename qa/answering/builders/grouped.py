"""Grouped answers: cited sentences in sections (per article, or per compared side).

Shared by overviews, comparisons, timelines and article summaries. Every sentence is
an exact span of a passage, cited once; the text reads

    <opening line>

    <heading> (<date>):
    “sentence” [1] “sentence” [2]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.answering.builders.extractive import quote
from qa.answering.ranking.features import candidates
from qa.text.terms import terms
from qa.types import Answer, Citation, Group, Passage


@dataclass
class Picked:
    """A sentence chosen as evidence; ``start``/``end`` are article offsets."""

    passage: Passage
    start: int
    end: int
    text: str
    score: float = 0.0
    terms: set[str] = field(default_factory=set)


@dataclass
class Section:
    """One section of the answer: a heading (an article's title, or a compared side)."""

    sentences: list[Picked]
    side: str = ""

    @property
    def article(self) -> Picked:
        return self.sentences[0]

    @property
    def published(self) -> str:
        return self.article.passage.published

    @property
    def best(self) -> float:
        return max(p.score for p in self.sentences)


def sentences_of(passages: list[Passage]) -> list[Picked]:
    """Every sentence of ``passages`` (at least 3 words; an article's title line left out),
    each once even where chunks overlap."""
    out, seen = [], set()
    for c in candidates(passages):
        key = (c.passage.article, c.start)
        if key in seen or (c.text.strip() == c.passage.title.strip()):
            continue
        seen.add(key)
        out.append(Picked(c.passage, c.start, c.end, c.text, terms=c.terms))
    return out


def by_date_then_score(sections: list[Section]) -> list[Section]:
    """Dated sections first, oldest first; then the undated by their best sentence."""
    return sorted(sections, key=lambda s: (not s.published, s.published, -s.best))


def compose(
    question: str,
    standalone: str,
    kind: str,
    opening: str,
    sections: list[Section],
    passages: list[Passage],
) -> Answer:
    """The Answer: numbered citations in reading order, one Group per section."""
    citations: list[Citation] = []
    groups: list[Group] = []
    lines = [opening]
    for section in sections:
        numbers = []
        titles = []
        for p in sorted(section.sentences, key=lambda p: (p.passage.article, p.start)):
            n = len(citations) + 1
            citations.append(Citation.of(n, p.passage, p.start, p.end, p.text))
            numbers.append(n)
            titles.append(p.passage.title)
        first = section.article.passage
        groups.append(Group(first.article, first.title, first.published, section.side, numbers))
        heading = section.side or first.title
        if section.side:
            heading += " (" + "; ".join(dict.fromkeys(titles)) + ")"
        date = f" ({first.published})" if first.published and not section.side else ""
        quoted = " ".join(f"{quote(citations[n - 1].quote)} [{n}]" for n in numbers)
        lines.append(f"{heading}{date}:\n{quoted}")
    used = {c.chunk_id for c in citations}
    ordered = [p for p in passages if p.chunk_id in used]
    ordered += [p for p in passages if p.chunk_id not in used]
    return Answer(
        question=question,
        standalone_question=standalone,
        answer="\n\n".join(lines),
        citations=citations,
        passages=ordered,
        kind=kind,
        groups=groups,
        backend="extractive",
    )


def topic_terms(text: str) -> list[str]:
    """The stemmed content terms of a topic, once each."""
    return list(dict.fromkeys(terms(text)))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
