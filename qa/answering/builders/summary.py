"""Article summaries: the article's key sentences, in article order, each cited.

The article is found by its id in the question ("summarise tech/185"), by the
conversation ("summarise it": the first citation of the last answer, when the history
carries citations, else the subject of the last question), or by name: the retrieved article
whose title holds most of the hint's words (at least half), else the first retrieved
article when its passage holds them all.

"Summarise this article" with nothing to name it by summarises the only article there is
(the corpus holds one, or the question is limited to one).

The summariser is unsupervised and extractive (centroid): every sentence of the article
is embedded with the bundled model; a sentence scores by its similarity to the mean of
them all, plus a bonus for coming early (news tells its main facts first: the inverted
pyramid), for opening its paragraph and for repeating the title's words (the headline
names the story's main fact). Headings, datelines and credits are never key
sentences: a line that is a paragraph of its own without a sentence's end or in title case,
"Updated on", a byline. The lead (the first sentence that is not such a line) is always
kept: news puts the story in its first sentence, and the lead is the strongest baseline of
news summarisation. Then the best-scoring sentences up to ``n`` (a fifth of the sentences,
3 to 5), no two nearly the same.
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
POSITION_WEIGHT = 0.15  # how much coming first counts against the centroid similarity
PARAGRAPH_OPENING = 0.05  # a paragraph's first sentence often states its point
REDUNDANCY = 0.3  # how much being like a chosen sentence counts against a sentence
TITLE_WEIGHT = 0.15  # the share of the title's words a sentence repeats (Edmundson, 1969)
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or the to with".split()  # noqa: SIM905
)
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
        sentences = [s for s in sentences_of(passages)[:MAX_ARTICLE_SENTENCES] if not is_heading(s)]
        if not sentences:
            return None
        chosen = summarise(sentences, self.embedder.encode_sentences([s.text for s in sentences]))
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
            only = filters.articles if filters and len(filters.articles) == 1 else list(known)
            if len(only) != 1:
                return None
            one = only[0]  # the only article there is
            return (one.decode() if isinstance(one, bytes) else str(one)), ""
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


def is_heading(sentence) -> bool:
    """A heading, dateline or credit rather than a sentence of the story: the whole of its
    line without a sentence's end, a line in title case, or boilerplate."""
    text = sentence.text.strip()
    if _BOILERPLATE.search(text) or _BYLINE.search(text) or text.lower().startswith("updated"):
        return True
    article = sentence.passage.text
    at = sentence.start - sentence.passage.start
    line_start = article.rfind("\n", 0, max(at, 0)) + 1
    line_end = article.find("\n", at + len(sentence.text))
    line = article[line_start : line_end if line_end >= 0 else len(article)].strip()
    if line != text:
        return False
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    title_case = words and all(w[0].isupper() or w.lower() in _SMALL_WORDS for w in words)
    return bool(title_case) or (not text.endswith((".", "!", "?", "”", '"')) and len(words) < 12)


def _paragraph_openings(sentences) -> np.ndarray:
    """1 where a sentence opens its paragraph (a blank line or the passage start before)."""
    out = np.zeros(len(sentences), dtype=np.float32)
    for i, s in enumerate(sentences):
        before = s.passage.text[: max(s.start - s.passage.start, 0)]
        out[i] = 1.0 if not before.strip() or before.rstrip(" \t").endswith("\n") else 0.0
    return out


def summarise(sentences, vectors) -> list:
    """The centroid summary with a lead bias: the chosen sentences, in article order."""
    vectors = np.asarray(vectors, dtype=np.float32)
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    position = 1.0 - np.arange(len(sentences), dtype=np.float32) / max(len(sentences), 1)
    title = set(topic_terms(sentences[0].passage.title)) if sentences else set()
    in_title = np.array(
        [len(title & set(topic_terms(s.text))) / max(len(title), 1) for s in sentences],
        dtype=np.float32,
    )
    scores = (
        vectors @ centroid
        + POSITION_WEIGHT * position
        + PARAGRAPH_OPENING * _paragraph_openings(sentences)
        + TITLE_WEIGHT * in_title
    )
    n = min(len(sentences), max(MIN_SENTENCES, min(MAX_SENTENCES, round(len(sentences) / 5))))
    lead = lead_index([s.text for s in sentences])
    chosen: list[int] = [] if lead is None else [lead]
    while len(chosen) < n:  # maximal marginal relevance: the best not like one chosen
        best, best_value = -1, -np.inf
        for i in range(len(sentences)):
            like = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            if i in chosen or like >= NEAR_DUPLICATE:
                continue
            value = scores[i] - REDUNDANCY * like
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
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
