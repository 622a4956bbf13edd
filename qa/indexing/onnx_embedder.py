"""The bundled all-MiniLM-L6-v2 on ONNX Runtime: sentence vectors without torch.

Answering needs one vector per question (and a few per sentence pool), not the training
machinery: ``import sentence_transformers`` alone takes seconds. The shipped
``models/embedder.onnx`` holds the whole sentence-transformers pipeline (BERT, mean pooling
over the attention mask, L2 normalisation), exported once by ``training/embedder.py``
from the bundled weights and checked against sentence-transformers (cosine >= 0.999). The
texts are tokenized by the ``tokenizers`` library with the bundled tokenizer, truncated at
256 word pieces as sentence-transformers does. Its sidecar ``embedder.json`` names the
bundled package version it was exported from; another version is not used
(``shipped_query_model`` returns None, and the embedder falls back to sentence-transformers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "models" / "embedder.onnx"
# The same export with int8 weights (``training/embedder.py --int8``): the
# reranker's sentence pool, compared only with each other and the question, runs on it.
SENTENCE_MODEL_PATH = MODEL_PATH.with_name("embedder.int8.onnx")


class OnnxEmbedder:
    """Texts -> normalised float32 vectors with ONNX Runtime. Thread-safe."""

    def __init__(
        self,
        path: str | Path,
        tokenizer_file: str | Path,
        batch_size: int = 64,
        max_tokens: int = 256,
        threads: int = 0,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self.path = Path(path)
        self.session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]") or 0)
        self.batch_size = max(1, batch_size)
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised float32 row per text, in order."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first, batched by length: little padding (as sentence-transformers does).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for b in range(0, len(order), self.batch_size):
            part = order[b : b + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in part])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            (vectors,) = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})
            out[part] = vectors
        return out


def shipped_query_model(path: Path = MODEL_PATH) -> Path | None:
    """The shipped export when it matches the installed bundled model, else None."""
    sidecar = path.with_suffix(".json")
    if not path.is_file() or not sidecar.is_file():
        return None
    try:
        meta = json.loads(sidecar.read_text())
        installed = metadata.version(meta["package"])
    except (OSError, ValueError, KeyError, metadata.PackageNotFoundError) as exc:
        log.warning("The ONNX embedder %s is unusable (%s): using sentence-transformers", path, exc)
        return None
    if installed != meta.get("version"):
        log.warning(
            "The ONNX embedder was exported from %s %s, %s is installed: using "
            "sentence-transformers (re-export with training/embedder.py)",
            meta["package"],
            meta.get("version"),
            installed,
        )
        return None
    return path
