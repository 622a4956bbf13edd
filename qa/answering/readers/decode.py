"""From the reader's start/end logits to answer spans, comparable across windows.

Each window's logits are turned into log-probabilities over its own tokens (softmax over
the start logits, and over the end logits), so a span's score, log P(start) + log P(end),
means the same in every window: the chance the reader gives this span in what it read.
The no-answer score of a window is the same for its [CLS] token. A window that does not
hold the answer puts its mass on [CLS], so its spans score low.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.answering.readers.windows import Window

MAX_ANSWER_TOKENS = 30


@dataclass
class Span:
    """The best span of one window: passage char offsets and scores (log-probabilities)."""

    passage: int
    start: int  # char offsets in the passage
    end: int
    score: float  # log P(start) + log P(end)
    null: float  # the window's no-answer score, log P(start=CLS) + log P(end=CLS)

    @property
    def margin(self) -> float:
        """How much likelier this span is than no answer, in this window (log odds)."""
        return self.score - self.null


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def best_spans(
    windows: list[Window],
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    max_tokens: int = MAX_ANSWER_TOKENS,
    top: int = 1,
) -> list[Span]:
    """The ``top`` best spans of each window (passage tokens only, end >= start)."""
    out: list[Span] = []
    for w, s_row, e_row in zip(windows, start_logits, end_logits, strict=True):
        n = len(w.ids)
        ls, le = _log_softmax(s_row[:n]), _log_softmax(e_row[:n])
        valid = np.array([o[0] >= 0 and o[1] > o[0] for o in w.offsets])
        ls_v = np.where(valid, ls, -np.inf)
        le_v = np.where(valid, le, -np.inf)
        # score[i, j] = ls[i] + le[j] for i <= j < i + max_tokens
        grid = ls_v[:, None] + le_v[None, :]
        band = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(
            np.ones((n, n), dtype=bool), k=max_tokens
        )
        grid = np.where(band, grid, -np.inf)
        flat = np.argsort(grid, axis=None)[::-1][:top]
        null = float(ls[0] + le[0])
        for f in flat:
            i, j = divmod(int(f), n)
            if not np.isfinite(grid[i, j]):
                break
            out.append(Span(w.passage, w.offsets[i][0], w.offsets[j][1], float(grid[i, j]), null))
    return out


_EDGE_PUNCT = " \t,;:.!?\"“”‘’'-–—"


def tidy(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) of ``text`` trimmed as an answer: an unclosed bracket and what follows
    it cut off ("90,000 square kilometers (34,700 square miles" -> the first measure), a
    stray closing one too, and edge punctuation dropped. Never empty."""
    span = text[start:end]
    opened, closed = span.count("("), span.count(")")
    cut = span.rfind("(") if opened > closed else span.find(")") if closed > opened else -1
    if cut > 0 and span[:cut].strip(_EDGE_PUNCT):
        end = start + cut
    while end > start + 1 and text[end - 1] in _EDGE_PUNCT:
        end -= 1
    while start < end - 1 and text[start] in _EDGE_PUNCT:
        start += 1
    return start, end
