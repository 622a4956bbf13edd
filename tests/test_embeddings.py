"""The bundled embedder: offline, normalized, and bfloat16 faithful to float32."""

import numpy as np
import pytest

from qa.indexing.embeddings import Embedder, cpu_has_native_bf16, resolve_model_path
from qa.settings import BUNDLED_MODEL


def test_vectors_are_normalized_and_similar_texts_are_close(embedder):
    v = embedder.encode(
        [
            "The council raised parking fees.",
            "Parking charges went up.",
            "The striker scored twice in the final.",
        ]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_bfloat16_matches_float32(embedder):
    texts = [
        "Valentina Matvienko, Russia's upper house speaker, held a meeting.",
        "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn.",
    ] * 4
    fp32 = Embedder(resolve_model_path(BUNDLED_MODEL), precision="float32").encode_documents(texts)
    bf16 = Embedder(resolve_model_path(BUNDLED_MODEL), precision="bfloat16").encode_documents(texts)
    assert float((fp32 * bf16).sum(axis=1).min()) > 0.999
    assert embedder.bf16 == cpu_has_native_bf16()


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="not a local folder"):
        resolve_model_path(str(tmp_path / "nope"))
