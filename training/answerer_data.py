"""Labelled data for the learned answerer: questions, their retrieved passages, and labels.

The corpus is indexed with the product's own pipeline (chunking, embeddings, Chroma, BM25)
into a cache folder, every question is retrieved as at question time, and every candidate
sentence is embedded once (a cache keyed by text). Labels: a sentence holds the answer
when it contains a gold answer and comes from the question's source article; a span is
the answer when it equals a gold answer after SQuAD normalisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.answering.ranking.features import candidates
from qa.answering.retrieval.hybrid import Filters, HybridRetriever
from qa.evaluation import metrics as m
from qa.indexing.embeddings import load_embedder
from qa.indexing.store import open_store
from qa.indexing.sync import read_manifest, sync_corpus
from qa.settings import Settings
from qa.types import Passage


@dataclass
class Item:
    qid: str
    question: str
    answers: list[str]
    source: str
    vector: np.ndarray
    passages: list[Passage] = field(default_factory=list)
    off_corpus: bool = False  # its own article left out of the retrieval: unanswerable

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def holds_answer(item: Item, article: str, text: str) -> bool:
    return item.answerable and article == item.source and m.contains_answer(text, item.answers)


class EmbeddingCache:
    """Sentence vectors by text: each distinct sentence is embedded once."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def warm(self, texts: list[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if todo:
            got = np.asarray(self.embedder.encode(todo), dtype=np.float32)
            self.vectors.update(zip(todo, got, strict=True))

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.warm(texts)
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384))


def load_questions(path: Path, limit: int = 0) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not limit or limit >= len(rows):
        return rows
    step = len(rows) / limit  # an even sample across every article
    return [rows[int(i * step)] for i in range(limit)]


def build_items(
    qa_file: Path,
    corpus_dir: Path,
    data_dir: Path,
    k: int = 5,
    limit: int = 0,
    off_corpus: bool = False,
):
    """(items, retriever, embedding cache) for every question of ``qa_file``.

    ``off_corpus``: every answerable question once more, retrieved from the other
    articles only, labelled unanswerable. That is how most unanswerable questions look
    in a news corpus (the article that would answer is not there), while squad2's are
    written against the very paragraph that fails to answer them."""
    settings = Settings(_env_file=None, corpus_dir=corpus_dir, data_dir=data_dir)
    embedder = load_embedder(
        settings.embedding_model, settings.embedding_batch_size, settings.embedding_precision
    )
    store = open_store(settings, embedder)
    sync_corpus(settings, embedder, store)
    retriever = HybridRetriever(store, embedder, settings)
    rows = load_questions(qa_file, limit)
    vectors = np.asarray(embedder.encode([r["question"] for r in rows]), dtype=np.float32)
    items = []
    for r, v in zip(rows, vectors, strict=True):
        item = Item(
            str(r.get("id", len(items))),
            r["question"],
            [] if r.get("is_impossible") or r.get("unanswerable") else list(r.get("answers", [])),
            r.get("source", ""),
            v,
        )
        item.passages = retriever.search(item.question, k, query_vector=v)
        items.append(item)
    if off_corpus:
        articles = sorted(read_manifest(settings))
        for item in [it for it in items if it.answerable]:
            others = Filters(articles=[a for a in articles if a != item.source])
            off = Item(f"{item.qid}~off", item.question, [], item.source, item.vector)
            off.passages = retriever.search(off.question, k, others, query_vector=off.vector)
            off.off_corpus = True
            items.append(off)
    cache = EmbeddingCache(embedder)
    cache.warm([c.text for it in items for c in candidates(it.passages)])
    return items, retriever, cache
