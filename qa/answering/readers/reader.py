"""The reader: MiniLM fine-tuned on SQuAD (``training/reader.py``), run with ONNX Runtime.

It reads the question with short passages (a few sentences each) and gives the best
answer span of each window, with its score and the window's no-answer score
(``decode.py``). Answering imports neither torch nor sentence-transformers: the shipped
file ``qa/answering/models/reader.onnx`` (int8) runs on ONNX Runtime, the question and
passages are tokenized by the ``tokenizers`` library with the bundled tokenizer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.answering.readers.decode import Span, best_spans
from qa.answering.readers.windows import batch_arrays, load_tokenizer, make_windows

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "reader.onnx"
MAX_LEN = 144  # tokens per window, as trained
OVERLAP = 40


class ReaderUnavailable(RuntimeError):
    """The reader's model file is missing or unreadable."""


@dataclass
class Reading:
    """The reader's verdict on the passages it read: its best span overall (None when it
    read nothing), and the best no-answer score of the windows (log-probabilities)."""

    best: Span | None
    spans: list[Span]  # every window's best span, best first
    null: float

    @property
    def margin(self) -> float:
        """Log odds of the best span against no answer, in the best span's window."""
        return self.best.margin if self.best else -30.0

    @property
    def probability(self) -> float:
        """P(the best span is the answer), as the reader gives it in its window."""
        return float(np.exp(self.best.score)) if self.best else 0.0


class Reader:
    """Question + passages -> answer spans. Thread-safe; one ONNX session per process."""

    def __init__(self, path: str | Path | None = None, threads: int = 0):
        self.path = Path(path) if path else MODEL_PATH
        if not self.path.is_file():
            raise ReaderUnavailable(f"the reader model {self.path} is missing")
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a truncated or foreign file
            raise ReaderUnavailable(f"the reader model {self.path} is unreadable: {exc}") from exc
        self.tokenizer = load_tokenizer()
        self._lock = threading.Lock()

    def logits(self, windows) -> tuple[np.ndarray, np.ndarray]:
        arrays = batch_arrays(windows)
        with self._lock:
            start, end = self.session.run(None, arrays)
        return start, end

    def read(self, question: str, passages: list[str], top: int = 1) -> Reading:
        """Read ``passages`` (plain strings) for ``question``; spans index into them
        (the ``top`` best of each window)."""
        if not passages:
            return Reading(None, [], 0.0)
        windows = make_windows(self.tokenizer, question, passages, MAX_LEN, OVERLAP)
        start, end = self.logits(windows)
        spans = sorted(best_spans(windows, start, end, top=top), key=lambda s: -s.score)
        null = max(s.null for s in spans) if spans else 0.0
        return Reading(spans[0] if spans else None, spans, null)


_loading = threading.Lock()  # one load per file, also when a thread loads it ahead


def load_reader(path: str | None = None) -> Reader:
    """The reader of ``path``, or the shipped one (loaded once per process)."""
    with _loading:
        return _load_reader(path)


@lru_cache(maxsize=2)
def _load_reader(path: str | None) -> Reader:
    return Reader(path)
