"""Hybrid retrieval: dense (Chroma) + BM25 over the same chunks, fused with RRF.

The narrow interface is ``search(query, k, filters) -> list[Passage]``. The BM25 side
is built from the stored chunks at the first search after the retriever is created or
refreshed after a sync, never per query. Searches may run concurrently.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa.indexing.store import all_chunks, store_errors
from qa.text.dates import date_int
from qa.text.terms import terms
from qa.types import Passage


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

    def accepts(self, meta: dict) -> bool:
        if self.articles and meta.get("article_id") not in self.articles:
            return False
        published = int(meta.get("published_int") or 0)
        if self.date_from and published < date_int(self.date_from):
            return False
        return not (self.date_to and not 0 < published <= date_int(self.date_to))


class Retriever(Protocol):
    def search(
        self, query: str, k: int, filters: Filters | None = None, query_vector=None
    ) -> list[Passage]: ...


@dataclass
class SparseIndex:
    """The stored chunks with their BM25 index and term statistics."""

    chunks: list
    by_id: dict[str, int]
    doc_freq: Counter
    bm25: object | None

    @classmethod
    def build(cls, store) -> SparseIndex:
        import bm25s

        chunks = all_chunks(store)
        tokens = [terms(c.metadata.get("title", "") + " " + c.text) for c in chunks]
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index([t or ["\x00"] for t in tokens], show_progress=False)
        return cls(
            chunks=chunks,
            by_id={c.id: i for i, c in enumerate(chunks)},
            doc_freq=Counter(t for toks in tokens for t in set(toks)),
            bm25=bm25,
        )


class HybridRetriever:
    """Dense + BM25 candidates, fused by reciprocal rank, optionally diversified (MMR)."""

    def __init__(self, store, embedder, settings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._sparse_index: SparseIndex | None = None
        self._build_lock = threading.Lock()  # concurrent questions build it once

    def refresh(self) -> None:
        """Mark the BM25 side stale (after a sync); it is rebuilt at the next search."""
        self._sparse_index = None

    @property
    def index(self) -> SparseIndex:
        index = self._sparse_index
        if index is None:
            with self._build_lock:
                index = self._sparse_index
                if index is None:
                    with store_errors(self.settings):
                        index = self._sparse_index = SparseIndex.build(self.store)
        return index

    @property
    def chunks(self) -> list:
        return self.index.chunks

    def idf(self, term: str) -> float:
        """Smoothed IDF; a term absent from the corpus gets the highest weight."""
        index = self.index
        n_docs = max(1, len(index.chunks))
        df = index.doc_freq.get(term, 0)
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))

    def search(
        self, query: str, k: int, filters: Filters | None = None, query_vector=None
    ) -> list[Passage]:
        index = self.index
        if not index.chunks:
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
        passages = []
        for cid in order[:k]:
            chunk = index.chunks[index.by_id[cid]]
            m = chunk.metadata
            passages.append(
                Passage(
                    chunk_id=cid,
                    article=m["article_id"],
                    title=m.get("title", ""),
                    published=m.get("published", ""),
                    start=int(m["start"]),
                    end=int(m["end"]),
                    text=chunk.text,
                    score=round(fused[cid], 6),
                    dense=dense_scores.get(cid),
                    sparse=sparse_scores.get(cid),
                )
            )
        return passages

    def _dense(self, vector, filters: Filters) -> list[tuple[str, float]]:
        index = self.index
        n = min(self.settings.dense_candidates, len(index.chunks))
        with store_errors(self.settings):
            got = self.store._collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                n_results=n,
                where=filters.chroma_where(),
                include=["distances"],
            )
        ids = [cid for cid in got["ids"][0] if cid in index.by_id]
        dists = got["distances"][0]
        return [(cid, round(1.0 - float(d), 6)) for cid, d in zip(ids, dists, strict=False)]

    def _sparse(self, query: str, filters: Filters) -> list[tuple[str, float]]:
        index = self.index
        q = [t for t in terms(query) if t in index.bm25.vocab_dict]
        if not q:
            return []
        scores = index.bm25.get_scores(q)
        order = np.argsort(-scores)
        out = []
        for i in order:
            if scores[i] <= 0 or len(out) >= self.settings.sparse_candidates:
                break
            chunk = index.chunks[i]
            if filters.accepts(chunk.metadata):
                out.append((chunk.id, round(float(scores[i]), 4)))
        return out

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
