"""The cross-encoder reranker: how a pair is read, the shipped model on real passages, and
its place in the chain (it reorders the fused candidates; off or missing, the fused order)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import SEED

from qa.answering.ranking.cross_encoder import (
    MODEL_PATH,
    CrossEncoder,
    RerankerUnavailable,
    pair_arrays,
    pair_text,
)
from qa.text.tokens import load_tokenizer
from qa.types import Passage


def test_a_pair_is_cls_question_sep_passage_sep_cut_to_fit():
    tok = load_tokenizer()
    long = "word " * 400
    arrays = pair_arrays(tok, "Who leads?", ["Matvienko leads the senate.", long], max_len=32)
    ids, mask, types = arrays["input_ids"], arrays["attention_mask"], arrays["token_type_ids"]
    assert ids.shape == (2, 32) and ids.dtype == np.int64
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    for row, m, t in zip(ids, mask, types, strict=True):
        n = int(m.sum())
        assert row[0] == cls_id and row[n - 1] == sep_id
        first_sep = list(row).index(sep_id)
        assert (t[: first_sep + 1] == 0).all() and (t[first_sep + 1 : n] == 1).all()
    assert mask[1].sum() == 32  # the long passage is cut to the window
    assert mask[0].sum() < 32  # the short one padded
    per_pair = pair_arrays(tok, ["Who leads?", "Who won?"], ["a b", "c d"])
    assert not np.array_equal(per_pair["input_ids"][0], per_pair["input_ids"][1])


def test_a_passage_is_read_with_its_articles_title():
    p = Passage("a#0", "a", "Ranieri sacked by Valencia", "", 0, 5, "He left.")
    assert pair_text(p) == "Ranieri sacked by Valencia: He left."


def test_a_missing_or_broken_model_file_is_one_clear_error(tmp_path):
    with pytest.raises(RerankerUnavailable, match="missing"):
        CrossEncoder(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(RerankerUnavailable, match="unreadable"):
        CrossEncoder(broken)


@pytest.fixture(scope="module")
def seed(tmp_path_factory, embedder):
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("seed-rerank")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    settings = Settings(_env_file=None, corpus_dir=root / "corpus", data_dir=root / "data")
    return build_assistant(settings, sync=True)


@pytest.mark.skipif(not MODEL_PATH.is_file(), reason="no shipped reranker")
def test_the_shipped_reranker_puts_the_passage_that_answers_first(seed):
    question = "Who chairs the Russian senate?"  # the article says "upper house speaker"
    found = seed.retriever.search(question, 20)
    ranked = CrossEncoder().rank(question, found)
    assert "Matvienko" in ranked[0].text
    assert sorted(p.chunk_id for p in ranked) == sorted(p.chunk_id for p in found)


@pytest.mark.skipif(not MODEL_PATH.is_file(), reason="no shipped reranker")
def test_the_chain_reranks_and_says_how_long_it_took(seed):
    answer = seed.ask("Who chairs the Russian senate?")
    assert "rerank" in answer.timings and "Matvienko" in answer.passages[0].text


def test_without_the_reranker_the_fused_order_stands(tmp_path, embedder, caplog):
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    missing = Settings(
        _env_file=None,
        corpus_dir=tmp_path / "corpus",
        data_dir=tmp_path / "data",
        reranker=True,
        reranker_model=str(tmp_path / "none.onnx"),
    )
    assistant = build_assistant(missing, sync=True)
    assert assistant.cross_encoder is None
    assert "reranker is unavailable" in caplog.text
    answer = assistant.ask("Who is the speaker of Russia's upper house?")
    assert "rerank" not in answer.timings and not answer.abstained
    off = build_assistant(missing.model_copy(update={"reranker": False}))
    assert off.cross_encoder is None
