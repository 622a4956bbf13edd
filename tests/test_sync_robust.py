"""A sync never loses data silently and one bad article never stops it (all for real)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BBC, ROOT
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


def ingest_process(corpus: Path, data: Path, *extra: str, **env: str) -> dict:
    """`qa ingest --json` in its own process (an embedded Chroma is cached per process)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    environ.update(QA_DATA_DIR=str(data), PYTHONPATH=str(ROOT), **env)
    done = subprocess.run(
        [sys.executable, "-m", "qa", "ingest", "--corpus", str(corpus), "--json", *extra],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _ask(corpus, data, question="Who is the speaker of Russia's upper house?", **kw):
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    return build_assistant(Settings(corpus_dir=corpus, data_dir=data, **kw)).ask(question)


def test_a_deleted_chroma_file_is_repaired_by_the_next_sync(corpus, tmp_path):
    data = tmp_path / "data"
    first = ingest_process(corpus, data)
    (data / "chroma" / "chroma.sqlite3").unlink()  # records.sqlite stays
    repaired = ingest_process(corpus, data)
    assert repaired["chunks_total"] == first["chunks_total"]
    assert repaired["chunks_embedded"] == repaired["repaired"] == first["chunks_total"]
    assert any("re-embedded" in w["warning"] for w in repaired["warnings"])
    assert not _ask(corpus, data).abstained
    again = ingest_process(corpus, data)
    assert again["repaired"] == again["chunks_embedded"] == 0 and again["warnings"] == []


@pytest.mark.server
def test_a_reset_chroma_server_is_refilled_by_the_next_sync(
    capsys, chroma_server, corpus, tmp_path, embedder
):
    import chromadb

    data, env = tmp_path / "data", {"QA_CHROMA_URL": chroma_server}
    first = ingest_json(capsys, corpus, data, env=env)
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    repaired = ingest_json(capsys, corpus, data, env=env)
    assert repaired["chunks_total"] == first["chunks_total"] == repaired["repaired"]
    assert not _ask(corpus, data, chroma_url=chroma_server).abstained


def test_lost_records_adopt_the_stored_chunks_and_drop_untracked_ones(
    capsys, corpus, tmp_path, embedder
):
    data = tmp_path / "data"
    (corpus / "gone.txt").write_text("Gone\n\nThis article is deleted while records are lost.\n")
    first = ingest_json(capsys, corpus, data)
    (data / "records.sqlite").unlink()
    (corpus / "gone.txt").unlink()
    after = ingest_json(capsys, corpus, data)
    assert after["chunks_embedded"] == 0  # what the store holds is not embedded again
    assert after["chunks_total"] == first["chunks_total"] - 1  # gone.txt's chunk is removed
    warnings = " ".join(w["warning"] for w in after["warnings"])
    assert "recorded" in warnings and "removed 1" in warnings
    assert ingest_json(capsys, corpus, data)["warnings"] == []


def test_chunk_ids_are_langchains_sha256_keys(corpus, embedder):
    from langchain_core.indexing.api import _get_document_with_hash

    from qa.indexing.sync import article_documents, chunk_key
    from qa.settings import Settings

    article = load_corpus(corpus).articles[0]
    for doc in article_documents(article, embedder, Settings(_env_file=None)):
        assert chunk_key(doc) == _get_document_with_hash(doc, key_encoder="sha256").id


@pytest.fixture
def three_stories(tmp_path, embedder):
    """(corpus folder, settings, store): three articles of 40 sentences, not yet synced."""
    from qa.indexing.store import open_store
    from qa.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"a{i}.txt").write_text(
            f"Story {i}\n\n" + " ".join(f"Sentence {j} of story {i} is here." for j in range(40)),
            encoding="utf-8",
        )
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data", _env_file=None)
    return corpus, settings, open_store(settings, embedder)


def test_a_sync_of_unchanged_articles_cuts_none_again(three_stories, embedder, monkeypatch):
    """The chunk boundaries of unchanged articles come from the last sync; a changed
    article is cut again, and the index is the same as from a sync that cut everything."""
    from qa.indexing import sync
    from qa.indexing.chunk_cache import chunk_cache_path

    corpus, settings, store = three_stories
    first = sync.sync_corpus(settings, embedder, store)
    cut = []
    real = sync.chunk_article
    monkeypatch.setattr(
        sync, "chunk_article", lambda a, *r, **k: cut.append(a.id) or real(a, *r, **k)
    )
    again = sync.sync_corpus(settings, embedder, store)
    assert cut == [] and again.chunks_embedded == 0 and again.unchanged == 3
    assert again.chunks_total == first.chunks_total
    (corpus / "a1.txt").write_text("Story 1\n\nA new text for story one.", encoding="utf-8")
    changed = sync.sync_corpus(settings, embedder, store)
    assert cut == ["a1"] and changed.updated == 1 and changed.chunks_embedded == 1
    chunk_cache_path(settings).write_text("not json")  # unreadable: cut again
    cut.clear()
    assert sync.sync_corpus(settings, embedder, store).chunks_embedded == 0
    assert sorted(cut) == ["a0", "a1", "a2"]


def test_a_sync_touches_only_the_records_of_what_changed(three_stories, embedder):
    """Unchanged articles keep their records as they were (no update of every chunk on
    every sync); a changed article loses its old chunks, a removed one all of its own,
    from both the store and the records."""
    import sqlite3

    from qa.indexing import sync
    from qa.indexing.store import all_ids

    corpus, settings, store = three_stories
    sync.sync_corpus(settings, embedder, store)

    def records() -> dict[str, tuple[str, float]]:
        with sqlite3.connect(settings.data_dir / "records.sqlite") as db:
            rows = db.execute("SELECT key, group_id, updated_at FROM upsertion_record")
            return {key: (group, at) for key, group, at in rows}

    before = records()
    assert {g for g, _ in before.values()} == {"a0", "a1", "a2"}
    (corpus / "a1.txt").write_text("Story 1\n\nA new text for story one.", encoding="utf-8")
    (corpus / "a2.txt").unlink()
    summary = sync.sync_corpus(settings, embedder, store)
    after = records()
    assert summary.chunks_embedded == 1 and summary.updated == 1 and summary.deleted == 1
    kept = {k: v for k, v in before.items() if v[0] == "a0"}
    assert {k: v for k, v in after.items() if v[0] == "a0"} == kept  # not even re-stamped
    assert [g for g, _ in after.values()].count("a1") == 1
    assert "a2" not in {g for g, _ in after.values()}
    assert all_ids(store) == set(after)


def test_an_article_over_the_size_limit_is_reported_and_the_rest_synced(
    capsys, corpus, tmp_path, embedder
):
    """Issue 20 item 6: a 20 MB article no longer stalls the sync: refused by default."""
    with open(corpus / "huge.txt", "w") as f:
        f.write("Huge article\n\n")
        f.write("The ferry sails at noon and returns at six. " * 460_000)  # about 20 MB
    data = tmp_path / "data"
    summary = ingest_json(capsys, corpus, data)
    [error] = summary["errors"]
    assert error["file"] == "huge.txt" and "too big" in error["error"]
    assert summary["articles_total"] == 1 and "huge" not in manifest(data)
    again = ingest_json(capsys, corpus, data, env={"QA_MAX_ARTICLE_MB": "0.5"})
    assert "0.5 MB" in again["errors"][0]["error"]
