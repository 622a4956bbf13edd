"""The persisted sparse (BM25) index: written by a sync, loaded by a fresh process without
reading the chunks back from the store, equal to the in-memory build, rebuilt (not a crash)
when it is damaged or stale, and replaced when another process syncs. All real: Chroma in
tmp_path, the bundled embedder, subprocesses."""

import json
import logging
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from test_live import BRIDGE, BRIDGE_Q
from test_sync_robust import ingest_process

from qa.answering.retrieval.hybrid import Filters, HybridRetriever
from qa.indexing.live import LiveIndex, read_generation
from qa.indexing.sparse import SparseIndex, generation_dir
from qa.indexing.store import all_chunks, open_store, reopen_store
from qa.indexing.sync import sync_corpus

QUESTIONS = [
    "Who is the speaker of Russia's upper house?",
    "How much did the company's profits rise?",
    "What did the minister say about the election?",
    "Which film won the award?",
]

# A fresh process: questions answered from the saved index; reading every chunk raises.
FRESH = """
import json, sys, time
started = time.perf_counter()
import qa.indexing.store as store_mod
import qa.answering.retrieval.hybrid as retrieval

def refuse(*a, **k):
    raise AssertionError("all_chunks called")

store_mod.all_chunks = retrieval.all_chunks = refuse
from qa.indexing.embeddings import load_embedder
from qa.settings import Settings
s = Settings(corpus_dir=sys.argv[1], data_dir=sys.argv[2])
emb = load_embedder(s.embedding_model, s.embedding_batch_size, s.embedding_precision)
r = retrieval.HybridRetriever(store_mod.open_store(s, emb), emb, s)
t = time.perf_counter()
r.index
load = time.perf_counter() - t
out = [[p.__dict__ for p in r.search(q, 5)] for q in json.loads(sys.argv[3])]
print(json.dumps({"load_seconds": load, "results": out}))
"""


def _settings(corpus, data):
    from qa.settings import Settings

    return Settings(corpus_dir=corpus, data_dir=data)


def _synced(corpus, data, embedder):
    settings = _settings(corpus, data)
    store = open_store(settings, embedder)
    summary = sync_corpus(settings, embedder, store)
    return settings, store, summary


def _in_memory(store, embedder, settings) -> HybridRetriever:
    """A retriever whose BM25 side is built from every stored chunk (the old way)."""
    retriever = HybridRetriever(store, embedder, settings)
    chunks = all_chunks(store)
    retriever._sparse_index = SparseIndex.build((c.id, c.text, c.metadata) for c in chunks)
    return retriever


def _results(retriever, filters=None):
    return [[p.__dict__ for p in retriever.search(q, 5, filters)] for q in QUESTIONS]


def _no_store_reads(monkeypatch):
    import qa.answering.retrieval.hybrid as retrieval

    def refuse(*args, **kwargs):
        raise AssertionError("all_chunks called")

    monkeypatch.setattr(retrieval, "all_chunks", refuse)


def test_a_fresh_process_answers_from_the_saved_index_as_the_in_memory_build_does(
    bbc_corpus, tmp_path, embedder
):
    data = tmp_path / "data"
    settings, store, summary = _synced(bbc_corpus, data, embedder)
    folder = generation_dir(settings, summary.generation)
    assert (folder / "meta.json").is_file() and (folder / "bm25").is_dir()
    assert summary.sparse_seconds > 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(bbc_corpus), str(data), json.dumps(QUESTIONS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    fresh = json.loads(done.stdout)["results"]
    assert fresh == _results(_in_memory(store, embedder, settings))
    assert all(len(r) == 5 for r in fresh)


def test_filters_and_idf_match_the_in_memory_build(bbc_corpus, tmp_path, embedder, monkeypatch):
    settings, store, _ = _synced(bbc_corpus, tmp_path / "data", embedder)
    memory = _in_memory(store, embedder, settings)
    _no_store_reads(monkeypatch)
    saved = HybridRetriever(store, embedder, settings)
    some = sorted({p["article"] for r in _results(memory) for p in r})[:2]
    for filters in (Filters(articles=some), Filters(date_from="2005-01-01")):
        assert _results(saved, filters) == _results(memory, filters)
    for term in ("russia", "profit", "film", "zzzunknown"):
        assert saved.idf(term) == pytest.approx(memory.idf(term))
    assert saved.idf("russia") < saved.idf("zzzunknown")
    rarest = max(saved.idf(t) for t in saved.index.bm25.vocab_dict)  # absent = rarest seen
    assert saved.idf("zzzunknown") == pytest.approx(rarest)


@pytest.mark.parametrize("damage", ["garbage_meta", "truncated_rows", "missing_ids", "no_folder"])
def test_a_damaged_or_missing_index_is_rebuilt_not_a_crash(
    bbc_corpus, tmp_path, embedder, damage, caplog
):
    settings, store, summary = _synced(bbc_corpus, tmp_path / "data", embedder)
    want = _results(_in_memory(store, embedder, settings))
    folder = generation_dir(settings, summary.generation)
    if damage == "garbage_meta":
        (folder / "meta.json").write_bytes(b"\x00garbage{")
    elif damage == "truncated_rows":
        rows = folder / "rows.jsonl"
        rows.write_bytes(rows.read_bytes()[:1000])
    elif damage == "missing_ids":
        (folder / "ids.npy").unlink()
    else:  # an index written by an older version: no sparse folder at all
        import shutil

        shutil.rmtree(folder.parent)
    with caplog.at_level(logging.WARNING):
        got = _results(HybridRetriever(store, embedder, settings))
    assert got == want
    assert any("rebuilding it from the store" in r.getMessage() for r in caplog.records)
    again = sync_corpus(settings, embedder, store)  # nothing changed: only the file is rewritten
    assert again.generation == summary.generation and again.sparse_seconds > 0
    assert (generation_dir(settings, summary.generation) / "meta.json").is_file()


def test_an_index_of_an_older_generation_is_not_used(corpus, tmp_path, embedder, caplog):
    settings, store, summary = _synced(corpus, tmp_path / "data", embedder)
    old = generation_dir(settings, summary.generation)
    old.rename(generation_dir(settings, summary.generation + 1))  # meta says the old one
    settings.data_dir.joinpath("manifests", f"{settings.collection_name}.generation").write_text(
        f"{summary.generation + 1}\n"
    )
    with caplog.at_level(logging.WARNING):
        assert HybridRetriever(store, embedder, settings).search(QUESTIONS[0], 3)
    assert any("generation" in r.getMessage() for r in caplog.records)


def test_another_process_sync_is_seen_through_the_generation(
    corpus, tmp_path, embedder, monkeypatch
):
    data = tmp_path / "data"
    settings, store, summary = _synced(corpus, data, embedder)
    retriever = HybridRetriever(store, embedder, settings)

    def reload():
        retriever.store = reopen_store(settings, retriever.store)
        retriever.refresh()

    live = LiveIndex(settings, reload)
    _no_store_reads(monkeypatch)
    with live.reading():
        assert all(p.article != "bridge" for p in retriever.search(BRIDGE_Q, 3))
    (corpus / "bridge.txt").write_text(BRIDGE)
    other = ingest_process(corpus, data)
    assert other["generation"] == summary.generation + 1 == read_generation(settings)
    with live.reading():
        top = retriever.search(BRIDGE_Q, 3)[0]
    assert top.article == "bridge" and top.sparse is not None and top.dense is not None
    # The folder before the previous one is removed by later syncs; the previous one stays
    # for readers still holding it.
    (corpus / "bridge.txt").unlink()
    ingest_process(corpus, data)
    ingest_process(corpus, data, "--rebuild")
    gens = sorted(p.name for p in generation_dir(settings, 0).parent.iterdir())
    assert gens == [f"gen-{summary.generation + 2}", f"gen-{summary.generation + 3}"]


def test_articles_with_every_word_between_their_chunks():
    from qa.text.terms import terms

    def meta(article, n):
        return {"article_id": article, "start": n * 10, "end": n * 10 + 9, "title": ""}

    index = SparseIndex.build(
        [
            ("a:0", "Google bought a search firm.", meta("a", 0)),
            ("a:1", "The deal was worth $1bn.", meta("a", 1)),
            ("b:0", "Yahoo shares rose on the deal.", meta("b", 0)),
        ]
    )
    assert index.articles_with(terms("Google")) == {"a"}
    assert index.articles_with(terms("google deal")) == {"a"}  # in two chunks of one article
    assert index.articles_with(terms("deal")) == {"a", "b"}
    assert index.articles_with(terms("google nowhere")) == set()
    assert index.articles_with([]) == set()
