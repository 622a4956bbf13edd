"""Chunk offsets are exact and no chunk exceeds the model's token limit."""

import itertools

import pytest
from conftest import BBC, SEED

from qa.indexing.chunking import chunk_article, embedding_prefix
from qa.indexing.corpus import Article, load_corpus
from qa.text.sentences import sentence_spans


def real_token_count(embedder, text: str) -> int:
    return len(embedder.tokenizer(text, add_special_tokens=True)["input_ids"])


def check_article(article, embedder, max_tokens, overlap=1):
    chunks = chunk_article(article, embedder.count_tokens, max_tokens, overlap)
    assert chunks, article.id
    prefix = embedding_prefix(article.title, article.published)
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        assert real_token_count(embedder, prefix + c.text) <= max_tokens, (article.id, c.n)
    # Every sentence is covered by some chunk.
    covered = [(c.start, c.end) for c in chunks]
    for s, e in sentence_spans(article.text):
        assert any(a <= s and e <= b for a, b in covered) or _long(embedder, article, s, e)
    return chunks


def _long(embedder, article, s, e):
    return real_token_count(embedder, article.text[s:e]) > 200


def test_seed_article_offsets_and_limits(embedder):
    article = load_corpus(SEED.parent).articles[0]
    chunks = check_article(article, embedder, 200)
    assert len(chunks) >= 3
    # Overlap is one whole sentence: each chunk after the first starts inside the previous.
    for prev, nxt in itertools.pairwise(chunks):
        assert prev.start < nxt.start < prev.end


@pytest.mark.slow
def test_every_chunk_of_every_bbc_article(embedder):
    result = load_corpus(BBC)
    assert len(result.articles) == 2225
    total = 0
    for article in result.articles:
        total += len(check_article(article, embedder, 256 if article.id.endswith("1") else 200))
    assert total > 2225


def test_sentence_longer_than_limit_is_split_at_words(embedder):
    words = " ".join(f"word{i}" for i in range(400))
    article = Article(id="long", title="Long", text=f"Short start. {words}. Short end.")
    chunks = check_article(article, embedder, 64, overlap=0)
    assert len(chunks) > 4
    assert all(not c.text.startswith(" ") and not c.text.endswith(" ") for c in chunks)


def test_unbroken_run_of_characters_is_still_cut(embedder):
    article = Article(id="blob", title="Blob", text="x" * 5000)
    check_article(article, embedder, 64, overlap=0)


def test_chunk_size_too_small_for_title_is_an_error(embedder):
    article = Article(id="t", title="word " * 100, text="Some text.")
    with pytest.raises(ValueError, match="no room"):
        chunk_article(article, embedder.count_tokens, 64)
