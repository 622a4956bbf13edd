"""Sentence-aware chunking with exact character offsets.

A chunk never cuts inside a sentence unless that sentence alone is over the limit.
The limit counts the embedder's word pieces, title prefix and special tokens
included, so nothing is silently truncated by the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.indexing.corpus import Article
from qa.text.sentences import sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]
SPECIAL_TOKENS = 2  # [CLS] and [SEP]


@dataclass(frozen=True)
class Chunk:
    """A contiguous span of an article: ``text == article.text[start:end]``."""

    article_id: str
    n: int
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.n}"


def pausing(fn: Callable[[Sequence[str]], list], pause: Callable[[], None], slice_: int = 2000):
    """``fn`` (texts -> one result each: token counts, BM25 terms) run ``slice_`` texts at
    a time, calling ``pause()`` before each slice (a sync lets questions go first; a
    million-line article is one call)."""

    def run(texts: Sequence[str]) -> list:
        out: list = []
        for i in range(0, len(texts), slice_):
            pause()
            out.extend(fn(texts[i : i + slice_]))
        return out

    return run


def embedding_prefix(title: str, published: str = "") -> str:
    """What is prepended to each chunk before embedding (not part of the offsets)."""
    head = title.strip()
    if published:
        head = f"{head} ({published})"
    return f"{head}\n\n" if head else ""


def fit_title(title: str, published: str, count_tokens: TokenCounter, max_tokens: int) -> str:
    """``title``, shortened so its embedding prefix takes at most half of a chunk.

    Whatever an article's first line holds, its chunks keep room for their text.
    """
    limit = (max_tokens - SPECIAL_TOKENS) // 2

    def fits(candidate: str) -> bool:
        return count_tokens([embedding_prefix(candidate, published)])[0] <= limit

    if fits(title):
        return title
    words = title.split()
    lo, hi = 0, len(words)  # the longest word prefix that fits, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(" ".join(words[:mid]) + "…") else (lo, mid - 1)
    if lo:
        return " ".join(words[:lo]) + "…"
    lo, hi = 0, len(words[0]) if words else 0  # one enormous "word": cut by characters
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(words[0][:mid] + "…") else (lo, mid - 1)
    return words[0][:lo] + "…" if lo else ""


def chunk_article(
    article: Article, count_tokens: TokenCounter, max_tokens: int, overlap: int = 1
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_tokens`` word pieces."""
    text = article.text
    budget = (
        max_tokens
        - SPECIAL_TOKENS
        - count_tokens([embedding_prefix(article.title, article.published)])[0]
    )
    if budget < 16:
        raise ValueError(f"chunk size {max_tokens} leaves no room after the title prefix")
    pieces = _pieces(text, count_tokens, budget)
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        j, used = i, 0
        while j < len(pieces) and used + pieces[j][2] <= budget:
            used += pieces[j][2]
            j += 1
        j = max(j, i + 1)
        start, end = pieces[i][0], pieces[j - 1][1]
        chunks.append(Chunk(article.id, len(chunks), start, end, text[start:end]))
        if j >= len(pieces):
            break
        # Next chunk re-reads the last `overlap` sentences, if that still moves forward.
        i = max(j - overlap, i + 1)
    return chunks


def _pieces(text: str, count_tokens: TokenCounter, budget: int) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, tokens); over-long sentences split at word boundaries."""
    spans = sentence_spans(text)
    counts = count_tokens([text[s:e] for s, e in spans]) if spans else []
    pieces = []
    for (s, e), n in zip(spans, counts, strict=True):
        if n <= budget:
            pieces.append((s, e, n))
        else:
            pieces.extend(_split_long(text, s, e, count_tokens, budget))
    return pieces


def _split_long(
    text: str, start: int, end: int, count_tokens: TokenCounter, budget: int
) -> list[tuple[int, int, int]]:
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    counts = count_tokens([text[start + a : start + b] for a, b in words])
    out: list[tuple[int, int, int]] = []
    cur_start, cur_end, used = None, None, 0
    for (a, b), n in zip(words, counts, strict=True):
        if n > budget:  # a single "word" longer than the budget: cut by characters
            if cur_start is not None:
                out.append((cur_start, cur_end, used))
                cur_start, used = None, 0
            step = max(1, (b - a) * budget // n)
            for c in range(a, b, step):
                piece = text[start + c : start + min(b, c + step)]
                out.append((start + c, start + min(b, c + step), count_tokens([piece])[0]))
            continue
        if cur_start is not None and used + n > budget:
            out.append((cur_start, cur_end, used))
            cur_start, used = None, 0
        if cur_start is None:
            cur_start = start + a
        cur_end, used = start + b, used + n
    if cur_start is not None:
        out.append((cur_start, cur_end, used))
    return out
