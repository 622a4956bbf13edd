"""The cross-encoder reranker: reads the question and a retrieved passage together and
scores how well the passage answers it (a logit; higher is better; comparable across
passages of one question, not a probability).

Like haystack's ``TransformersSimilarityRanker``: it scores the fused candidates in one
batch and returns them best first. The model is the bundled MiniLM's lowest layers,
mean-pooled, with one linear layer, trained here (``python -m training.reranker``) on news-qa and
SQuAD questions against the hard negatives our own retriever ranks beside their passage;
it runs on ONNX Runtime (``models/reranker.onnx``, int8) with the ``tokenizers`` library.
A pair is ``[CLS] question [SEP] title: passage [SEP]``, cut to ``MAX_LEN`` word pieces.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.text.tokens import load_tokenizer
from qa.types import Passage

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "reranker.onnx"
MAX_LEN = 128  # word pieces per pair, as trained
MAX_QUESTION_TOKENS = 48


class RerankerUnavailable(RuntimeError):
    """The reranker's model file is missing or unreadable."""


def pair_arrays(tok, question: str | list[str], texts: list[str], max_len: int = MAX_LEN) -> dict:
    """Padded int64 arrays (input_ids, attention_mask, token_type_ids) of the pairs
    (``question``, each of ``texts``; or question i with text i), each passage cut to fit
    ``max_len``."""
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    questions = [question] * len(texts) if isinstance(question, str) else question
    heads: dict[str, list[int]] = {}
    for q in dict.fromkeys(questions):
        heads[q] = [cls_id, *tok.encode(q, add_special_tokens=False).ids[:MAX_QUESTION_TOKENS]]
        heads[q].append(sep_id)
    rows = []
    for q, enc in zip(questions, tok.encode_batch(texts, add_special_tokens=False), strict=True):
        head = heads[q]
        body = enc.ids[: max(8, max_len - len(head) - 1)]
        rows.append((head + body + [sep_id], len(head)))
    width = max(len(ids) for ids, _ in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, (row, n_head) in enumerate(rows):
        ids[i, : len(row)], mask[i, : len(row)] = row, 1
        types[i, n_head : len(row)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def pair_text(p: Passage) -> str:
    """What the reranker reads of a passage: its article's title, then its text."""
    return f"{p.title}: {p.text}" if p.title else p.text


class CrossEncoder:
    """(question, passages) -> one score per passage. Thread-safe; one session a process."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else MODEL_PATH
        if not self.path.is_file():
            raise RerankerUnavailable(f"the reranker model {self.path} is missing")
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a truncated or foreign file
            message = f"the reranker model {self.path} is unreadable: {exc}"
            raise RerankerUnavailable(message) from exc
        self.tokenizer = load_tokenizer()
        self._lock = threading.Lock()

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        arrays = pair_arrays(self.tokenizer, question, texts)
        with self._lock:
            (logits,) = self.session.run(None, arrays)
        return np.asarray(logits, dtype=np.float32).reshape(-1)

    def rank(self, question: str, passages: list[Passage]) -> list[Passage]:
        """``passages`` best first by the reranker (ties keep the retriever's order)."""
        if len(passages) < 2:
            return list(passages)
        s = self.scores(question, [pair_text(p) for p in passages])
        order = sorted(range(len(passages)), key=lambda i: (-s[i], i))
        return [passages[i] for i in order]


_loading = threading.Lock()


def load_cross_encoder(path: str | None = None) -> CrossEncoder:
    """The reranker of ``path``, or the shipped one (loaded once per process)."""
    with _loading:
        return _load(path)


@lru_cache(maxsize=2)
def _load(path: str | None) -> CrossEncoder:
    return CrossEncoder(path)
