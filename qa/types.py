"""The typed results shared by the CLI, the UI and the evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass
class Passage:
    """A retrieved chunk: ``text == article.text[start:end]``."""

    chunk_id: str
    article: str
    title: str
    published: str
    start: int
    end: int
    text: str
    score: float = 0.0  # fused (RRF) score
    dense: float | None = None  # cosine similarity, when the dense side found it
    sparse: float | None = None  # BM25 score, when the sparse side found it

    def text_at(self, start: int, end: int) -> str:
        """The text of article offsets [start, end) (inside this passage)."""
        return self.text[start - self.start : end - self.start]


@dataclass
class Citation:
    """``quote == article.text[start:end]`` for the article with id ``article``."""

    n: int
    article: str
    title: str
    published: str
    chunk_id: str
    start: int
    end: int
    quote: str
    supported: bool = True  # False when the cited passage does not back the claim
    also_in: list[str] = field(default_factory=list)  # ids of near-duplicate copies

    @classmethod
    def of(cls, n: int, passage: Passage, start: int, end: int, quote: str) -> Citation:
        """Citation ``n`` of ``quote``, the span [start, end) of ``passage``'s article."""
        return cls(
            n=n,
            article=passage.article,
            title=passage.title,
            published=passage.published,
            chunk_id=passage.chunk_id,
            start=start,
            end=end,
            quote=quote,
        )


@dataclass
class Group:
    """One section of an overview, comparison or summary: one article's cited sentences.

    ``citations`` are the numbers of the Answer's citations in this section; ``side`` is
    the named thing a comparison section is about ("" otherwise)."""

    article: str
    title: str
    published: str = ""
    side: str = ""
    citations: list[int] = field(default_factory=list)


@dataclass
class Answer:
    question: str
    standalone_question: str
    answer: str
    short_answer: str = ""
    abstained: bool = False
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # ms per stage
    unsupported: list[str] = field(default_factory=list)  # answer sentences not backed
    confidence: float = 0.0  # extractive: the learned P(the articles answer the question)
    backend: str = "extractive"
    short_answer_confidence: float = 0.0  # P(short_answer is the exact answer)
    short_answer_confident: bool = False  # at or above the trained threshold: shown in bold
    # factoid | overview | comparison | summary | timeline (qa/answering/question/kinds.py)
    kind: str = "factoid"
    groups: list[Group] = field(default_factory=list)  # per-article sections (not factoids)
    notes: list[str] = field(default_factory=list)  # e.g. the date window applied
    excluded_undated: int = 0  # articles without a date that the date window left out
    # a refusal: the sentence the reader came closest to an answer in (shown, never cited)
    closest: Citation | None = None

    @property
    def shown_short_answer(self) -> str:
        """The short answer every surface shows in bold: a confident one, else none."""
        return self.short_answer if self.short_answer_confident else ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """The Answer back from ``to_dict()`` output (unknown keys are ignored)."""
        known = _known(cls, data)
        known["citations"] = [Citation(**_known(Citation, c)) for c in data.get("citations", [])]
        known["passages"] = [Passage(**_known(Passage, p)) for p in data.get("passages", [])]
        known["groups"] = [Group(**_known(Group, g)) for g in data.get("groups", [])]
        if data.get("closest"):
            known["closest"] = Citation(**_known(Citation, data["closest"]))
        return cls(**known)


def _known(kind, data: dict) -> dict:
    names = {f.name for f in fields(kind)}
    return {k: v for k, v in data.items() if k in names}
