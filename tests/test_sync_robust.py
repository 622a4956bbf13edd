"""A sync never loses data silently and one bad article never stops it (all for real)."""

import json

import pytest
from conftest import BBC
from test_ingest import ingest_json, manifest

from qa.indexing.chunking import SPECIAL_TOKENS, chunk_article, embedding_prefix, fit_title
from qa.indexing.corpus import MAX_TITLE_CHARS, Article, load_corpus

LONG_LINE = " ".join(f"Antidisestablishmentarianism{i} reconsidered" for i in range(40))


def test_a_long_first_line_is_capped_and_the_sync_goes_on(capsys, corpus, tmp_path, embedder):
    (corpus / "long.txt").write_text(LONG_LINE + "\n\nThe council approved the budget on Monday.\n")
    assert embedder.count_tokens([LONG_LINE])[0] > 110  # the case
    data = tmp_path / "data"
    summary = ingest_json(capsys, corpus, data)
    assert summary["errors"] == [] and summary["articles_total"] == 2
    title = manifest(data)["long"]["title"]
    assert len(title) <= MAX_TITLE_CHARS
    assert LONG_LINE.startswith(title.rstrip("…").rstrip())
    limit = (128 - SPECIAL_TOKENS) // 2
    assert embedder.count_tokens([embedding_prefix(title)])[0] <= limit


def test_titles_are_capped_when_loaded(tmp_path):
    (tmp_path / "a.txt").write_text(LONG_LINE + "\n\nBody.\n")
    (tmp_path / "b.md").write_text(f"---\ntitle: {'x' * 1000}\n---\nBody.\n")
    titles = {a.id: a.title for a in load_corpus(tmp_path).articles}
    assert all(len(t) <= MAX_TITLE_CHARS for t in titles.values())
    assert titles["a"].endswith("…") and " " not in titles["a"][-3:-1]  # cut between words


@pytest.mark.parametrize("title", [LONG_LINE, "x" * 3000, "€" * 900, "Short title"])
def test_fit_title_leaves_room_for_text(embedder, title):
    fitted = fit_title(title, "2005-01-02", embedder.count_tokens, 64)
    article = Article(id="t", title=fitted, published="2005-01-02", text="One sentence. Two.")
    assert chunk_article(article, embedder.count_tokens, 64)  # no "no room" error
    if title == "Short title":
        assert fitted == title


def test_an_article_that_fails_becomes_an_error_naming_its_file(
    capsys, corpus, tmp_path, embedder, monkeypatch
):
    import qa.indexing.sync as sync

    real = sync.chunk_article

    def failing(article, *args, **kwargs):
        if article.id == "sub/broken":
            raise RuntimeError("tokenizer exploded")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(sync, "chunk_article", failing)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "broken.txt").write_text("Broken\n\nIt breaks.\n")
    (corpus / "fine.txt").write_text("Fine\n\nThe fine article is indexed.\n")
    summary = ingest_json(capsys, corpus, tmp_path / "data")
    assert summary["articles_total"] == 2
    [error] = summary["errors"]
    assert error["file"] == "sub/broken.txt" and "tokenizer exploded" in error["error"]


def test_every_bbc_title_is_unchanged_by_the_cap():
    # The cap only touches pathological titles: the real corpus keeps its fingerprints.
    for article in load_corpus(BBC / "tech").articles:
        first = next(line for line in article.text.splitlines() if line.strip()).strip()
        assert article.title == first, json.dumps(article.id)
