"""The cross-encoder reranker: how a pair is read, its files, the shipped model on real
sentences, and its place in the chain (it rescores the sentence model's candidates; off or
missing, the sentence model's order)."""

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
)
from qa.text.tokens import load_tokenizer


def test_a_pair_is_cls_question_sep_sentence_sep_cut_to_fit():
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
    assert mask[1].sum() == 32  # the long sentence is cut to the window
    assert mask[0].sum() < 32  # the short one padded
    per_pair = pair_arrays(tok, ["Who leads?", "Who won?"], ["a b", "c d"])
    assert not np.array_equal(per_pair["input_ids"][0], per_pair["input_ids"][1])


def test_with_titles_a_sentence_is_read_after_its_articles_title():
    """A model trained with titles reads ``[CLS] question [SEP] title [SEP] sentence
    [SEP]``, the title and the sentence both in the second segment, the sentence still
    cut to fit the window after the title."""
    tok = load_tokenizer()
    arrays = pair_arrays(
        tok,
        "Who leads?",
        ["Matvienko leads the senate.", "word " * 400],
        max_len=40,
        titles=["Russia's senate", "Long"],
    )
    ids, mask, types = arrays["input_ids"], arrays["attention_mask"], arrays["token_type_ids"]
    sep_id = tok.token_to_id("[SEP]")
    n = int(mask[0].sum())
    text = tok.decode(ids[0][:n].tolist(), skip_special_tokens=False)
    assert (
        text == "[CLS] who leads? [SEP] russia ' s senate [SEP] matvienko leads the senate. [SEP]"
    )
    assert list(ids[0][:n]).count(sep_id) == 3
    first_sep = list(ids[0]).index(sep_id)
    assert (types[0][: first_sep + 1] == 0).all() and (types[0][first_sep + 1 : n] == 1).all()
    assert mask[1].sum() == 40  # cut to the window, title included
    plain = pair_arrays(tok, "Who leads?", ["Matvienko leads the senate."])
    assert plain["input_ids"].shape[1] < arrays["input_ids"].shape[1]


def test_a_missing_or_broken_model_file_is_one_clear_error(tmp_path):
    with pytest.raises(RerankerUnavailable, match="missing"):
        CrossEncoder(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    (tmp_path / "broken.json").write_text('{"coef": [1, 1], "intercept": 0}')
    with pytest.raises(RerankerUnavailable, match="unreadable"):
        CrossEncoder(broken)


@pytest.mark.skipif(not MODEL_PATH.is_file(), reason="no shipped reranker")
def test_a_model_without_its_combination_is_one_clear_error(tmp_path):
    model = tmp_path / "reranker.onnx"
    shutil.copy(MODEL_PATH, model)
    with pytest.raises(RerankerUnavailable, match="combination"):
        CrossEncoder(model)
    (tmp_path / "reranker.json").write_text('{"coef": [1], "intercept": 0}')
    with pytest.raises(RerankerUnavailable, match="1 weights"):
        CrossEncoder(model)


@pytest.mark.skipif(not MODEL_PATH.is_file(), reason="no shipped reranker")
def test_the_combination_weighs_the_cross_encoder_against_the_sentence_model():
    question = "Who chairs the Russian senate?"  # the article: "upper house speaker"
    texts = [
        "Valentina Matvienko, Russia’s upper house speaker, held a meeting with the delegation.",
        "Russia will supply four helicopters to Afghanistan.",
        "It rained in Kabul.",
    ]
    prior = [0.3, 0.3, 0.3]
    alone = CrossEncoder(combine={"coef": [0.0, 1.0], "intercept": 0.0})
    assert list(alone.proba(question, texts, prior)) == pytest.approx(prior)
    shipped = CrossEncoder()
    a, b = shipped.combine["coef"]
    assert a > 0 and b > 0  # both models count
    p = shipped.proba(question, texts, prior)
    assert p[0] > max(p[1:])  # the same prior: the sentence that answers comes first
    assert shipped.proba(question, texts[:1], [0.6])[0] > p[0]  # and a higher prior counts


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
def test_the_shipped_reranker_puts_the_sentence_that_answers_first(seed):
    question = "Who chairs the Russian senate?"  # the article says "upper house speaker"
    vector = seed.embedder.encode([question])[0]
    passages = seed.retriever.search(question, 5, None, query_vector=vector)
    shipped = seed.reranker.cross_encoder
    assert shipped is not None
    scored = seed.reranker.score(question, vector, passages)
    assert "Matvienko" in scored.sentences[0].text
    texts = sorted(c.text for c in scored.sentences)
    seed.reranker.cross_encoder = None
    try:
        plain = seed.reranker.score(question, vector, passages)
    finally:
        seed.reranker.cross_encoder = shipped
    assert sorted(c.text for c in plain.sentences) == texts  # the same candidates, reordered


def test_without_the_reranker_the_sentence_model_order_stands(tmp_path, embedder, caplog):
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
    assert assistant.cross_encoder is None and assistant.reranker.cross_encoder is None
    assert "reranker is unavailable" in caplog.text
    answer = assistant.ask("Who is the speaker of Russia's upper house?")
    assert not answer.abstained and "Matvienko" in answer.answer
    off = build_assistant(missing.model_copy(update={"reranker": False}))
    assert off.cross_encoder is None


@pytest.mark.skipif(not MODEL_PATH.is_file(), reason="no shipped reranker")
def test_only_the_sentence_models_best_are_rescored(seed):
    question = "How many helicopters will Russia give Afghanistan?"
    vector = seed.embedder.encode([question])[0]
    passages = seed.retriever.search(question, 5, None, query_vector=vector)
    reranker, shipped = seed.reranker, seed.reranker.cross_encoder
    try:
        reranker.cross_encoder = None
        plain = {c.text: c.score for c in reranker.score(question, vector, passages).sentences}
        reranker.cross_encoder, reranker.cross_limit = shipped, 2
        order = [c.text for c in reranker.score(question, vector, passages).sentences]
        two = {c.text: c.score for c in reranker.score(question, vector, passages).sentences}
    finally:
        reranker.cross_encoder, reranker.cross_limit = shipped, seed.settings.rerank_sentences
    best = sorted(plain, key=lambda t: -plain[t])[:2]
    assert len(plain) > 2 and set(two) == set(plain)
    assert all(two[t] != plain[t] for t in best)
    # The rescored stay in front (the combination's P is on its own scale); the rest keep
    # their order and their P, up to the last rescored one's.
    assert set(order[:2]) == set(best)
    assert order[2:] == [t for t in sorted(plain, key=lambda t: -plain[t]) if t not in best]
    floor = min(two[t] for t in best)
    assert all(two[t] == min(plain[t], floor) for t in plain if t not in best)
