"""Score the sentences of the retrieved passages with the learned models, and rerank.

1. Every sentence of the passages gets cheap lexical features; the ``prefilter`` model
   keeps the most promising ``embed_limit`` of them (embedding is the costly part).
2. Those are embedded; the ``sentence`` model gives each P(holds the answer).
3. The ``answerable`` model gives P(the passages answer the question at all).

A passage then ranks by its best sentence. The extractive answerer quotes the best
sentences; the LLM path sees the passages in this order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qa.answering.ranking.features import (
    Candidate,
    Question,
    analyse,
    answerable_features,
    candidates,
    clauses,
    full_features,
    lexical_features,
)
from qa.answering.ranking.learned import AnswererModels
from qa.types import Passage


@dataclass
class Scored:
    """The outcome of scoring: the question, its best sentences, and P(answerable)."""

    question: Question
    sentences: list[Candidate] = field(default_factory=list)  # best first
    answerable: float = 0.0


class SentenceReranker:
    def __init__(
        self,
        embedder,
        idf,
        models: AnswererModels,
        embed_limit: int = 12,
        cross_encoder=None,
        cross_limit: int = 6,
    ):
        self.embedder = embedder
        self.idf = idf  # term -> weight, from the retriever's corpus statistics
        self.models = models
        self.embed_limit = embed_limit
        self.cross_encoder = cross_encoder  # cross_encoder.py; None: the sentence model alone
        self.cross_limit = cross_limit  # the sentence model's best this many are rescored

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embedder.encode_sentences(texts), dtype=np.float32)

    def score(self, question: str, query_vector, passages: list[Passage], limit: int = 0) -> Scored:
        """Score the passages' sentences for ``question``; best first (the prefilter's
        best ``limit`` of them, default ``embed_limit``)."""
        q = analyse(question, self.idf)
        cross = None
        if self.cross_encoder is not None and self.cross_limit > 0:
            cross = (self.cross_encoder.proba, self.cross_limit)
        return score_candidates(
            q,
            query_vector,
            passages,
            self.models,
            self.embed,
            limit or self.embed_limit,
            cross=cross,
        )


CLAUSE_PREFETCH = 3  # the prefilter's best sentences whose clauses are embedded with them


def score_candidates(
    q: Question,
    query_vector,
    passages: list[Passage],
    models: AnswererModels,
    embed,
    limit: int,
    prepared: tuple[list[Candidate], np.ndarray] | None = None,
    cross=None,
) -> Scored:
    """The scoring procedure, shared with the training script (which embeds from a cache
    and passes the ``prepared`` candidates with their lexical features). ``cross``:
    ((question, texts, the sentence model's P, titles) -> P rescored by the cross-encoder,
    n): the sentence model's best n are rescored and reordered; the others follow them, in
    the sentence model's order, their P at most the last rescored one's."""
    cands, lexical = prepared or prepare(q, passages)
    if not cands:
        return Scored(q, [], _answerable(q, [], passages, models))
    pre = models.prefilter.proba(lexical)
    keep = np.argsort(-pre, kind="stable")[:limit]
    chosen = [cands[i] for i in keep]
    # The clauses of the likeliest best sentences ride in the same batch (nearly free);
    # the best sentence's clause similarity is a feature of P(answerable).
    prefetch = list(dict.fromkeys(p for c in chosen[:CLAUSE_PREFETCH] for p in clauses(c.text)))
    qv = np.asarray(query_vector, dtype=np.float32)
    all_sims = embed([c.text for c in chosen] + prefetch) @ qv
    sims = all_sims[: len(chosen)]
    clause_sims = dict(zip(prefetch, all_sims[len(chosen) :], strict=True))
    probs = models.sentence.proba(full_features(chosen, sims))
    for c, p in zip(chosen, probs, strict=True):
        c.score = float(p)
    chosen.sort(key=lambda c: -c.score)
    if cross is not None:  # the sentence model's best n, rescored, stay in front
        rescore, n = cross
        best, rest = chosen[:n], chosen[n:]
        texts, titles = [c.text for c in best], [c.passage.title for c in best]
        rescored = rescore(q.text, texts, [c.score for c in best], titles)
        for c, p in zip(best, rescored, strict=True):
            c.score = float(p)
        best.sort(key=lambda c: -c.score)
        # The combination's P is on its own scale: a sentence not rescored keeps its P
        # only up to the last rescored one's, so the order is the scores' order.
        floor = best[-1].score if best else 1.0
        for c in rest:
            c.score = min(c.score, floor)
        chosen = best + rest
    parts = clauses(chosen[0].text)
    missing = [p for p in parts if p not in clause_sims]
    if missing:  # the best sentence was not among the prefilter's first
        clause_sims.update(zip(missing, embed(missing) @ qv, strict=True))
    if parts:
        chosen[0].clause_dense = float(max(clause_sims[p] for p in parts))
    return Scored(q, chosen, _answerable(q, chosen, passages, models))


def prepare(q: Question, passages: list[Passage]) -> tuple[list[Candidate], np.ndarray]:
    """The passages' sentences and their lexical features (no model involved)."""
    cands = candidates(passages)
    return cands, lexical_features(q, cands)


def _answerable(q: Question, ranked: list[Candidate], passages: list[Passage], models) -> float:
    if models.answerable is None:  # while training the sentence model
        return 1.0
    return float(models.answerable.proba(answerable_features(q, ranked, passages))[0])


def shown(passages: list[Passage], cited: set[str], k: int) -> list[Passage]:
    """The first ``k`` passages, and after them any other that a citation quotes."""
    return passages[:k] + [p for p in passages[k:] if p.chunk_id in cited]


def rerank(passages: list[Passage], ranked: list[Candidate]) -> list[Passage]:
    """Passages by their best sentence's score; unscored passages keep their order after."""
    best: dict[str, float] = {}
    for c in ranked:
        best[c.passage.chunk_id] = max(best.get(c.passage.chunk_id, -9.0), c.score)
    scored = sorted((p for p in passages if p.chunk_id in best), key=lambda p: -best[p.chunk_id])
    return scored + [p for p in passages if p.chunk_id not in best]
