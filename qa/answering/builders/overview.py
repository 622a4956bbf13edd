"""Overviews, timelines and comparisons: evidence from several distinct articles.

1. Retrieve many passages for the topic (hybrid search, ``k`` = 30).
2. Keep the sentences of 6 words or more that name the topic (its rarest term, or two
   of its terms) in articles that name all of it (two thirds of a topic of three terms
   or more).
3. Score them by embedding similarity to the topic (a sentence of an article whose title
   names the topic gains a little); drop those under ``MIN_SIMILARITY``.
4. Choose by MMR: at most ``PER_ARTICLE`` sentences per article, ``MAX_ARTICLES``
   articles, no two sentences nearly the same, no two articles with the same title.
5. One section per article, dated ones first in date order, then by score; the answer
   opens with how many articles of the index name the topic.

A comparison does steps 1-4 once per named side and gives one section per side.
"""

from __future__ import annotations

import math

import numpy as np

from qa.answering.builders.grouped import (
    Picked,
    Section,
    by_date_then_score,
    compose,
    plural,
    sentences_of,
    topic_terms,
)
from qa.answering.question.kinds import Kind
from qa.answering.retrieval.dedupe import collapse_duplicates
from qa.text.terms import words
from qa.types import Answer, Passage

RETRIEVE_K = 30
MIN_SIMILARITY = 0.2
TITLE_BONUS = 0.1
MAX_ARTICLES = 6
PER_ARTICLE = 2
MAX_SENTENCES = 10
EMBED_LIMIT = 40  # sentences embedded per topic (embedding is the costly part: int8)
SIDE_EMBED_LIMIT = 24  # per compared side (3 sentences are kept)
LAMBDA = 0.7
NEAR_DUPLICATE = 0.92
PERIOD_ARTICLES = 8  # "what happened last week?": articles shown
PERIOD_SCAN = 20_000  # chunks of the period read at most
MIN_WORDS = 6  # shorter sentences ("Sony Net Minidisc!") say too little on their own


class Overviews:
    """Answers the overview, timeline and comparison kinds from the retriever's index."""

    def __init__(self, retriever, embedder, others: dict[str, list[str]] | None = None):
        self.retriever = retriever
        self.embedder = embedder
        self.others = others or {}  # near-duplicate copies: one of them is used

    # -- the kinds -------------------------------------------------------------------
    def answer(self, kind: Kind, question: str, filters=None) -> Answer | None:
        """The grouped answer, or None when the articles do not name the topic."""
        if kind.name == "comparison":
            return self.comparison(kind, question, filters)
        if kind.name == "timeline" and not kind.topic:
            return self.period(question, filters)
        return self.overview(kind, question, filters)

    def overview(self, kind: Kind, question: str, filters=None) -> Answer | None:
        required = topic_terms(kind.topic)
        if not required:
            return None
        pool, vectors, passages = self.evidence(kind.topic, required, filters)
        max_articles = MAX_ARTICLES + 2 if kind.name == "timeline" else MAX_ARTICLES
        chosen = select(pool, vectors, max_articles, PER_ARTICLE, MAX_SENTENCES)
        if not chosen:
            return None
        sections = by_date_then_score(_by_article(chosen))
        total = max(self.count_articles(required, filters), len(sections))
        order = _order(sections)
        opening = (
            f"{plural(total, 'article')} mention {kind.topic}. "
            f"What {plural(len(sections), 'article')} say ({order}):"
        )
        if len(sections) == total:
            opening = f"{plural(total, 'article')} mention {kind.topic} ({order}):"
        standalone = question  # the topic from the conversation, when "it" named it
        if kind.topic.lower() not in question.lower():
            standalone = f"{question} ({kind.topic})"
        return compose(question, standalone, kind.name, opening, sections, passages)

    def comparison(self, kind: Kind, question: str, filters=None) -> Answer | None:
        sections, passages, counts, missing = [], [], [], []
        taken: set[tuple[str, int]] = set()
        for side in kind.sides:
            required = topic_terms(side)
            query = f"{side} {kind.topic}".strip()
            pool, vectors, found = self.evidence(query, required, filters, SIDE_EMBED_LIMIT)
            keep = [i for i, p in enumerate(pool) if (p.passage.article, p.start) not in taken]
            pool, vectors = [pool[i] for i in keep], vectors[keep] if len(keep) else vectors
            chosen = select(pool, vectors, max_articles=2, per_article=2, max_total=3)
            if not chosen:
                missing.append(side)
                continue
            taken |= {(p.passage.article, p.start) for p in chosen}
            sections.append(Section(chosen, side=side))
            passages += found
            n = max(
                self.count_articles(required, filters), len({p.passage.article for p in chosen})
            )
            counts.append(f"{plural(n, 'article')} mention {side}")
        if len(sections) < 2:
            return None
        opening = f"Comparing {_and([s.side for s in sections])}: {_and(counts)}"
        if missing:
            opening += f"; the articles found do not mention {_and(missing)}"
        return compose(question, question, "comparison", opening + ".", sections, passages)

    def period(self, question: str, filters=None) -> Answer | None:
        """ "What happened last week?": the period's articles, each by its opening
        sentence, in date order (spread evenly over the period when there are more)."""
        index = self.retriever.index
        rows = filters.rows(index) if filters is not None and index.n_docs else None
        if rows is None or not rows.any():
            return None
        leads: dict[str, Passage] = {}
        for i in np.flatnonzero(rows)[:PERIOD_SCAN]:
            row = index.row(int(i))
            if row.article in leads and leads[row.article].start <= row.start:
                continue
            leads[row.article] = Passage(
                row.chunk_id, row.article, row.title, row.published, row.start, row.end, row.text
            )
        lead = collapse_duplicates(
            sorted(leads.values(), key=lambda p: (p.published, p.article)), self.others
        )
        step = max(1, math.ceil(len(lead) / PERIOD_ARTICLES))
        sections = []
        for p in lead[::step][:PERIOD_ARTICLES]:
            first = [s for s in sentences_of([p]) if len(words(s.text)) >= MIN_WORDS][:1]
            if first:
                sections.append(Section(first))
        if not sections:
            return None
        n = len(lead)
        opening = f"{plural(n, 'article')} published in this period"
        opening += (
            f"; the opening of {len(sections)}, spread over it, in date order:"
            if len(sections) < n
            else ", by their opening sentence, in date order:"
        )
        passages = [s.article.passage for s in sections]
        return compose(question, question, "timeline", opening, sections, passages)

    # -- evidence --------------------------------------------------------------------
    def evidence(
        self, query: str, required: list[str], filters=None, limit: int = EMBED_LIMIT
    ) -> tuple[list[Picked], np.ndarray, list[Passage]]:
        """The sentences naming the topic, scored, best first, with their vectors (the
        ``limit`` naming most of the topic's terms, in retrieval order, are embedded)."""
        q = self.embedder.encode([query])[0]
        passages = self.retriever.search(query, RETRIEVE_K, filters, query_vector=q)
        passages = collapse_duplicates(passages, self.others)
        need = len(required) if len(required) <= 2 else math.ceil(2 * len(required) / 3)
        named: dict[str, set[str]] = {}
        for p in passages:
            named.setdefault(p.article, set()).update(topic_terms(p.title + "\n" + p.text))
        relevant = {a for a, ts in named.items() if len(ts & set(required)) >= need}
        key = max(required, key=self.retriever.idf)
        pool = [
            s
            for s in sentences_of([p for p in passages if p.article in relevant])
            if (key in s.terms or len(s.terms & set(required)) >= 2)
            and len(words(s.text)) >= MIN_WORDS
        ]
        pool.sort(key=lambda s: -len(s.terms & set(required)))
        pool = pool[:limit]
        if not pool:
            return [], np.zeros((0, 1), dtype=np.float32), passages
        vectors = self.embedder.encode_sentences([s.text for s in pool])
        for s, v in zip(pool, vectors, strict=True):
            in_title = key in set(topic_terms(s.passage.title))
            s.score = float(v @ q) + (TITLE_BONUS if in_title else 0.0)
        keep = [i for i, s in enumerate(pool) if s.score >= MIN_SIMILARITY]
        keep.sort(key=lambda i: -pool[i].score)
        return [pool[i] for i in keep], vectors[keep], passages

    def count_articles(self, required: list[str], filters=None) -> int:
        """How many indexed articles hold the topic's terms in one chunk (title included)."""
        index = self.retriever.index
        if not index.n_docs or not required:
            return 0
        need = len(required) if len(required) <= 2 else math.ceil(2 * len(required) / 3)
        mask = index.term_hits(required) >= need
        if filters is not None:
            rows = filters.rows(index)
            if rows is not None:
                mask &= rows
        return len(np.unique(np.asarray(index.article)[mask]))


def select(
    pool: list[Picked], vectors, max_articles: int, per_article: int, max_total: int
) -> list[Picked]:
    """MMR over the sentences, within the per-article and article caps."""
    chosen: list[int] = []
    per: dict[str, int] = {}
    titles: dict[str, str] = {}
    remaining = list(range(len(pool)))
    while remaining and len(chosen) < max_total:
        best, best_gain = None, -9.0
        for i in remaining:
            p = pool[i]
            a = p.passage.article
            if per.get(a, 0) >= per_article:
                continue
            if a not in per and (len(per) >= max_articles or p.passage.title in titles.values()):
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            if redundancy >= NEAR_DUPLICATE:
                continue
            gain = LAMBDA * p.score - (1 - LAMBDA) * redundancy - 0.05 * per.get(a, 0)
            if gain > best_gain:
                best, best_gain = i, gain
        if best is None:
            break
        chosen.append(best)
        remaining.remove(best)
        a = pool[best].passage.article
        per[a] = per.get(a, 0) + 1
        titles[a] = pool[best].passage.title
    return [pool[i] for i in chosen]


def _order(sections: list[Section]) -> str:
    """How ``by_date_then_score`` ordered the sections, in words."""
    dated = sum(1 for s in sections if s.published)
    if dated == len(sections):
        return "in date order"
    return "dated ones first, in date order" if dated else "the most relevant first"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _by_article(chosen: list[Picked]) -> list[Section]:
    groups: dict[str, list[Picked]] = {}
    for p in chosen:
        groups.setdefault(p.passage.article, []).append(p)
    return [Section(sentences) for sentences in groups.values()]
