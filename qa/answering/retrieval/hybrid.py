"""Hybrid retrieval: dense (Chroma) + BM25 over the same chunks, fused with RRF.

The narrow interface is ``search(query, k, filters) -> list[Passage]``. The BM25 side
is the sparse index the last sync saved (``qa/indexing/sparse.py``), loaded
memory-mapped at the first search after the retriever is created or refreshed; when
it is missing or unreadable it is rebuilt from the stored chunks (logged). Searches
may run concurrently.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa.answering.retrieval.articles import article_rows, passage_of
from qa.indexing.live import read_generation
from qa.indexing.sparse import SparseIndex, load_sparse
from qa.indexing.store import all_chunks, store_errors
from qa.text.dates import date_int
from qa.types import Passage

log = logging.getLogger(__name__)


@dataclass
class Filters:
    """Optional restrictions: article ids, and an ISO published-date range."""

    articles: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.articles:
            clauses.append({"article_id": {"$in": list(self.articles)}})
        if self.date_from:
            clauses.append({"published_int": {"$gte": date_int(self.date_from)}})
        if self.date_to:
            clauses.append({"published_int": {"$lte": date_int(self.date_to)}})
            clauses.append({"published_int": {"$gt": 0}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def rows(self, index: SparseIndex):
        """The rows of ``index`` these filters accept (a boolean array); None: all."""
        return index.mask(
            self.articles,
            date_int(self.date_from) if self.date_from else 0,
            date_int(self.date_to) if self.date_to else None,
        )


class Retriever(Protocol):
    def search(
        self, query: str, k: int, filters: Filters | None = None, query_vector=None
    ) -> list[Passage]: ...

    def neighbours(self, passages: list[Passage], query_vector) -> list[Passage]: ...


class HybridRetriever:
    """Dense + BM25 candidates, fused by reciprocal rank, optionally diversified (MMR)."""

    def __init__(self, store, embedder, settings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._sparse_index: SparseIndex | None = None
        self._build_lock = threading.Lock()  # concurrent questions load it once

    def refresh(self) -> None:
        """Mark the BM25 side stale (after a sync); it is reloaded at the next search."""
        self._sparse_index = None

    @property
    def index(self) -> SparseIndex:
        index = self._sparse_index
        if index is None:
            with self._build_lock:
                index = self._sparse_index
                if index is None:
                    index = self._sparse_index = self._load()
        return index

    def _load(self) -> SparseIndex:
        """The saved sparse index of the current generation, else one built from the store."""
        generation = read_generation(self.settings)
        index = load_sparse(self.settings, generation)
        if index is None:
            with store_errors(self.settings):
                chunks = all_chunks(self.store)
            index = SparseIndex.build((c.id, c.text, c.metadata) for c in chunks)
            log.warning("rebuilt the sparse index from %d stored chunks", index.n_docs)
        return index

    def idf(self, term: str) -> float:
        """Smoothed IDF (a term absent from the corpus weighs like the rarest present)."""
        return self.index.idf(term)

    def search(
        self, query: str, k: int, filters: Filters | None = None, query_vector=None
    ) -> list[Passage]:
        index = self.index
        if not index.n_docs:
            return []
        filters = filters or Filters()
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        dense = self._dense(query_vector, filters)
        sparse = self._sparse(query, filters)
        fused: dict[str, float] = {}
        for ranking in (dense, sparse):
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        dense_scores, sparse_scores = dict(dense), dict(sparse)
        order = sorted(fused, key=lambda c: (-fused[c], -dense_scores.get(c, -1.0)))
        if self.settings.mmr:
            order = self._mmr(order, query_vector, k)
        return [
            passage_of(
                index.row(index.row_of(cid)),
                score=round(fused[cid], 6),
                dense=dense_scores.get(cid),
                sparse=sparse_scores.get(cid),
            )
            for cid in order[:k]
        ]

    def neighbours(self, passages: list[Passage], query_vector) -> list[Passage]:
        """The chunks just before and after each of ``passages`` in its article (those not
        among them), in that order; ``dense`` is their similarity to the query, ``score``
        0 (retrieval did not pick them). Same article, so the same filters hold."""
        have = {p.chunk_id for p in passages}
        rows_of: dict[str, list] = {}  # article -> its chunks in order (read once)
        wanted: list = []
        for p in passages:
            if p.article not in rows_of:
                rows_of[p.article] = article_rows(self.index, p.article)
            rows = rows_of[p.article]
            at = next((i for i, r in enumerate(rows) if r.chunk_id == p.chunk_id), -1)
            if at < 0:
                continue
            for row in rows[max(0, at - 1) : at] + rows[at + 1 : at + 2]:
                if row.chunk_id not in have:
                    have.add(row.chunk_id)
                    wanted.append(row)
        if not wanted:
            return []
        with store_errors(self.settings):
            got = self.store._collection.get(
                ids=[r.chunk_id for r in wanted], include=["embeddings"]
            )
        q = np.asarray(query_vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        sims = {}
        for cid, v in zip(got["ids"], got["embeddings"], strict=True):
            v = np.asarray(v, dtype=np.float32)
            sims[cid] = round(float(v @ q / (np.linalg.norm(v) or 1.0)), 6)
        return [passage_of(r, dense=sims.get(r.chunk_id)) for r in wanted]

    def _dense(self, vector, filters: Filters) -> list[tuple[str, float]]:
        index = self.index
        n = min(self.settings.dense_candidates, index.n_docs)
        with store_errors(self.settings):
            got = self.store._collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                n_results=n,
                where=filters.chroma_where(),
                include=["distances"],
            )
        pairs = zip(got["ids"][0], got["distances"][0], strict=True)
        # A chunk the sparse index lacks (stored by a sync not yet announced) is left out.
        return [(c, round(1.0 - float(d), 6)) for c, d in pairs if index.row_of(c) is not None]

    def _sparse(self, query: str, filters: Filters) -> list[tuple[str, float]]:
        index = self.index
        scores = index.scores(query)
        if scores is None:
            return []
        keep = filters.rows(index)
        if keep is not None:
            scores = np.where(keep, scores, 0.0)
        n = min(self.settings.sparse_candidates, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = sorted(top, key=lambda i: (-scores[i], i))
        return [(index.ids[i].decode(), round(float(scores[i]), 4)) for i in top if scores[i] > 0]

    def _mmr(self, order: list[str], query_vector, k: int, lambda_: float = 0.7) -> list[str]:
        with store_errors(self.settings):
            got = self.store._collection.get(ids=order, include=["embeddings"])
        vectors = dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
        q = np.asarray(query_vector)
        chosen: list[str] = []
        candidates = [c for c in order if c in vectors]
        while candidates and len(chosen) < k:

            def gain(c: str) -> float:
                redundancy = max((float(vectors[c] @ vectors[s]) for s in chosen), default=0.0)
                return lambda_ * float(vectors[c] @ q) - (1 - lambda_) * redundancy

            best = max(candidates, key=gain)
            chosen.append(best)
            candidates.remove(best)
        return chosen + [c for c in order if c not in chosen]
