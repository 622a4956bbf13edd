"""Question and passage in one window, as the reader reads them (training and answering).

``[CLS] question [SEP] passage tokens [SEP]``, token types 0 then 1. A passage longer than
one window is read in overlapping windows; each window keeps the passage's character
offsets of its tokens, so a span of tokens maps back to the exact passage text. Only the
``tokenizers`` library is needed (no torch, no transformers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.text.tokens import load_tokenizer  # noqa: F401  (re-exported)

MAX_QUESTION_TOKENS = 48


@dataclass
class Window:
    """One window: its ids, and for each token the passage offsets (-1, -1) outside it."""

    ids: list[int]
    types: list[int]
    offsets: list[tuple[int, int]]  # passage char offsets per token; (-1, -1) if not passage
    passage: int  # index of the passage this window reads

    @property
    def first_context(self) -> int:
        return self.types.index(1)


def make_windows(
    tok,
    question: str,
    passages: list[str],
    max_len: int = 192,
    overlap: int = 48,
) -> list[Window]:
    """The windows that read ``passages`` for ``question``, in passage order."""
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    q_ids = tok.encode(question, add_special_tokens=False).ids[:MAX_QUESTION_TOKENS]
    head = [cls_id, *q_ids, sep_id]
    room = max_len - len(head) - 1
    out: list[Window] = []
    for n, enc in enumerate(tok.encode_batch(passages, add_special_tokens=False)):
        ids, offs = enc.ids, enc.offsets
        start = 0
        while True:
            part = slice(start, start + room)
            body = ids[part]
            out.append(
                Window(
                    ids=head + body + [sep_id],
                    types=[0] * len(head) + [1] * (len(body) + 1),
                    offsets=[(-1, -1)] * len(head) + list(offs[part]) + [(-1, -1)],
                    passage=n,
                )
            )
            if start + room >= len(ids):
                break
            start += room - overlap
    return out


def batch_arrays(windows: list[Window]) -> dict[str, np.ndarray]:
    """Padded int64 arrays (input_ids, attention_mask, token_type_ids) for a batch."""
    width = max(len(w.ids) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, w in enumerate(windows):
        n = len(w.ids)
        ids[i, :n], mask[i, :n], types[i, :n] = w.ids, 1, w.types
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def answer_tokens(window: Window, start_char: int, end_char: int) -> tuple[int, int]:
    """Token positions of the passage span [start_char, end_char) in ``window``; (0, 0)
    (the [CLS] token: no answer here) when the window does not hold the whole span."""
    first = last = None
    for i, (s, e) in enumerate(window.offsets):
        if s < 0 or e <= s:
            continue
        if first is None and e > start_char:
            if s > start_char and i == window.first_context:
                return 0, 0  # the span starts before this window
            first = i
        if s < end_char:
            last = i
    covers_end = bool(window.offsets[-2][1] >= end_char) if len(window.offsets) > 1 else False
    if first is None or last is None or last < first or not covers_end:
        return 0, 0
    return first, last
