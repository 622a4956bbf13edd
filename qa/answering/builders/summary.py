"""Article summaries: the article's key sentences, in article order, each cited.

The article is found by its id in the question ("summarise tech/185"), by the
conversation ("summarise it": the first citation of the last answer, when the history
carries citations, else the subject of the last question), or by name: the retrieved article
whose title holds most of the hint's words (at least half), else the first retrieved
article when its passage holds them all.

The summariser is unsupervised and extractive (centroid): every sentence of the article
is embedded with the bundled model; a sentence scores by its similarity to the mean of
them all. The lead (the first sentence that is not boilerplate: a byline, a dateline, a
credit, a line of a few words) is always kept: news puts the story in its first sentence, and
the lead is the strongest baseline of news summarisation. Then the best-scoring sentences
up to ``n`` (a fifth of the sentences, 3 to 5), no two nearly the same.
"""

from __future__ import annotations

import re

import numpy as np

from qa.answering.builders.grouped import Section, compose, sentences_of, topic_terms
from qa.answering.question.followup import last_user_questions
from qa.answering.question.kinds import Kind, subject_of
from qa.answering.retrieval.articles import article_rows, passage_of
from qa.types import Answer, Passage

LEAD_SEARCH = 3  # the lead is among the article's first sentences
_BYLINE = re.compile(r"^\s*By (?:[A-Z][\w'.-]*\s*){1,4}(?:,|$|\n)")
_BOILERPLATE = re.compile(
    r"^\s*(?:(?:published|updated|last (?:updated|modified)|posted|image|photo|"
    r"picture|video|caption|copyright|advertisement|share this|click|subscribe|sign up|"
    r"read more|related|follow us)\b|\(?(?:reuters|ap|afp|pa)\)?\s*[-:]?\s*$)|"
    r"all rights reserved",
    re.IGNORECASE,
)
MIN_SENTENCES, MAX_SENTENCES = 3, 5
NEAR_DUPLICATE = 0.9
MAX_ARTICLE_SENTENCES = 120
_ARTICLE_ID = re.compile(r"\b[\w.-]+(?:/[\w.-]+)+\b")


class Summaries:
    def __init__(self, retriever, embedder):
        self.retriever = retriever
        self.embedder = embedder

    def answer(self, kind: Kind, question: str, history=None, filters=None) -> Answer | None:
        """The summary of the article the question names, or None when none is found."""
        found = self.find_article(kind, question, history or [], filters)
        if found is None:
            return None
        article, hint = found
        passages = self.article_passages(article)
        sentences = sentences_of(passages)[:MAX_ARTICLE_SENTENCES]
        if not sentences:
            return None
        chosen = summarise(sentences, self.embedder.encode([s.text for s in sentences]))
        title = passages[0].title
        date = f" ({passages[0].published})" if passages[0].published else ""
        opening = f"Summary of “{title}”{date}, {len(chosen)} of its {len(sentences)} sentences:"
        standalone = f"Summarise the article {title}" if hint != title else question
        return compose(question, standalone, "summary", opening, [Section(chosen)], passages)

    # -- finding the article ---------------------------------------------------------
    def find_article(
        self, kind: Kind, question: str, history: list[dict], filters=None
    ) -> tuple[str, str] | None:
        """(article id, the words that found it), or None."""
        index = self.retriever.index
        known = set(np.unique(np.asarray(index.article)).tolist()) if index.n_docs else set()
        for m in _ARTICLE_ID.finditer(question):
            if m.group(0).encode() in known:
                return m.group(0), m.group(0)
        hint = kind.article_hint
        if not hint:
            cited = _last_cited_article(history)
            if cited and cited.encode() in known:
                return cited, ""
            asked = last_user_questions(history, n=1)
            hint = subject_of(asked[0]) if asked else ""
        if not topic_terms(hint):
            return None
        return self._by_name(hint, filters)

    def _by_name(self, hint: str, filters=None) -> tuple[str, str] | None:
        wanted = set(topic_terms(hint))
        passages = self.retriever.search(hint, 10, filters)
        best, best_overlap = None, 0.0
        for p in passages:
            overlap = len(wanted & set(topic_terms(p.title))) / len(wanted)
            if overlap > best_overlap:
                best, best_overlap = p, overlap
        if best is not None and best_overlap >= 0.5:
            return best.article, hint
        if passages and wanted <= set(topic_terms(passages[0].title + " " + passages[0].text)):
            return passages[0].article, hint
        return None

    def article_passages(self, article: str) -> list[Passage]:
        """The article's chunks, in article order (from the sparse index's rows)."""
        return [passage_of(r) for r in article_rows(self.retriever.index, article)]


def summarise(sentences, vectors) -> list:
    """The centroid summary: the chosen sentences, in article order."""
    vectors = np.asarray(vectors, dtype=np.float32)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    scores = vectors @ centroid
    n = min(len(sentences), max(MIN_SENTENCES, min(MAX_SENTENCES, round(len(sentences) / 5))))
    lead = lead_index([s.text for s in sentences])
    chosen: list[int] = [] if lead is None else [lead]
    for i in np.argsort(-scores, kind="stable"):
        if len(chosen) >= n:
            break
        if i in chosen or any(float(vectors[i] @ vectors[j]) >= NEAR_DUPLICATE for j in chosen):
            continue
        chosen.append(int(i))
    for i in chosen:
        sentences[i].score = float(scores[i])
    return [sentences[i] for i in sorted(chosen)]


def lead_index(texts: list[str]) -> int | None:
    """The article's lead: the first of its first sentences that is not boilerplate."""
    for i, text in enumerate(texts[:LEAD_SEARCH]):
        boilerplate = _BYLINE.search(text) or _BOILERPLATE.search(text)
        if len(re.findall(r"\w+", text)) >= 6 and not boilerplate:
            return i
    return None


def _last_cited_article(history: list[dict]) -> str:
    """The article of the first citation of the last answer, when the history has it."""
    for m in reversed(history):
        if m.get("role") != "assistant":
            continue
        cites = m.get("citations")
        if isinstance(cites, list) and cites and isinstance(cites[0], dict):
            return str(cites[0].get("article") or "")
        return ""
    return ""
