"""The indexed articles that hold a piece of text, read back from the sparse index's rows
(what the follow-up rewrite reads to learn whom the articles call he or she)."""

from __future__ import annotations

import threading
import weakref

import numpy as np

from qa.indexing.sparse import SparseIndex, SparseRow
from qa.types import Passage

# Per index (a sync makes a new one): article id -> its text, the last few read.
_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()  # questions are answered at once


def _remembered(store: weakref.WeakKeyDictionary, index: SparseIndex, key: str, compute):
    """``compute()``, remembered in ``store`` per index by ``key`` (the last 256 keys)."""
    with _LOCK:
        known = store.setdefault(index, {}).get(key)
    if known is None:
        known = compute()
        with _LOCK:
            kept = store.setdefault(index, {})
            if len(kept) >= 256:
                kept.pop(next(iter(kept)))
            kept[key] = known
    return known


def article_text(index: SparseIndex, article: str) -> str:
    """The article's text, put back together from its chunks (they overlap)."""
    return _remembered(_TEXTS, index, article, lambda: _article_text(index, article))


def article_rows(index: SparseIndex, article: str) -> list:
    """The article's chunks (the sparse index's rows), in article order."""
    rows = np.flatnonzero(np.asarray(index.article) == article.encode("utf-8"))
    return sorted((index.row(int(i)) for i in rows), key=lambda r: (r.start, r.end))


def passage_of(row: SparseRow, **scores) -> Passage:
    """The passage of an indexed chunk, with its retrieval scores (if any)."""
    return Passage(
        chunk_id=row.chunk_id,
        article=row.article,
        title=row.title,
        published=row.published,
        start=row.start,
        end=row.end,
        text=row.text,
        **scores,
    )


def _article_text(index: SparseIndex, article: str) -> str:
    text = ""
    for row in article_rows(index, article):
        if row.end <= len(text):
            continue
        if row.start >= len(text):
            text += " " * (row.start - len(text)) + row.text
        else:
            text += row.text[len(text) - row.start :]
    return text


def articles_holding(index: SparseIndex, text: str, n: int = 2) -> list[str]:
    """The texts of (up to ``n``) articles whose chunks best match ``text`` (BM25)."""
    ids = best_rows(index, text)[: n * 3]
    return [article_text(index, a) for a in list(dict.fromkeys(ids))[:n]]


# Per index: text -> the articles of the chunks that best match it, the last few looked up
# (a follow-up's quotes are looked up by the rewrite and again by the search).
_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
BEST_ROWS = 6


def best_rows(index: SparseIndex, text: str) -> list[str]:
    """The article ids of the ``BEST_ROWS`` chunks that best match ``text`` (BM25, score
    over 0), best first; an article once per chunk."""
    return _remembered(_ROWS, index, text, lambda: _best_rows(index, text))


def _best_rows(index: SparseIndex, text: str) -> list[str]:
    scores = index.scores(text)
    top = np.argsort(-scores)[:BEST_ROWS] if scores is not None else []
    return [index.article[i].decode("utf-8") for i in top if scores[i] > 0]
