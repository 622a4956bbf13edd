"""Sync the corpus folder into the vector store with LangChain's indexing API.

A record manager (SQLite in the data dir) remembers the hash of every chunk it
wrote. A sync compares the chunks the corpus produces now with the recorded ones:
it deletes the recorded chunks nothing produces any more (what LangChain's "full"
cleanup does) and hands ``index()`` only the chunks not yet recorded, so the
records of unchanged articles are not touched at all (at 20,000 articles, updating
them was most of a sync that changes nothing). Chunk ids are those hashes, and the
store upserts, so a sync killed half-way is completed by the next one without
duplicates. A file lock keeps two syncs from running at once; a long one publishes
what it has stored so far, and questions are answered from that meanwhile (publish.py).

Every sync first reconciles the record manager with the store: chunks the records
list but the store lacks (a deleted ``chroma.sqlite3``, a reset server) are embedded
again; chunks the store holds but the records forgot (a lost ``records.sqlite``) are
recorded without embedding them again; chunks nothing produces any more are removed.
The summary says what was repaired.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.indexing import index

from qa.indexing.chunk_cache import (
    cached_chunks,
    chunk_entry,
    read_chunk_cache,
    write_chunk_cache,
)
from qa.indexing.chunking import Chunk, chunk_article, fit_title, pausing
from qa.indexing.corpus import Article, load_corpus
from qa.indexing.duplicates import record_duplicates
from qa.indexing.errors import IndexUnavailable, reason
from qa.indexing.live import LiveIndex, bump_generation, read_generation, sync_lock
from qa.indexing.live import SyncBusyError as SyncBusyError  # re-exported
from qa.indexing.manifest import manifest_path as manifest_path  # re-exported
from qa.indexing.manifest import read_manifest as read_manifest  # re-exported
from qa.indexing.manifest import write_manifest
from qa.indexing.publish import Publisher, stored_chunks, stored_manifest
from qa.indexing.sparse import sparse_is_current, write_sparse
from qa.indexing.store import all_ids, is_store_failure, store_errors, store_problem
from qa.settings import Settings
from qa.text.dates import date_int

Progress = Callable[[int, int], None]


@dataclass
class SyncSummary:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    repaired: int = 0  # chunks the store had lost, embedded again
    chunks_total: int = 0
    articles_total: int = 0
    seconds: float = 0.0
    generation: int = 0  # bumped by every sync that changes the index
    sparse_seconds: float = 0.0  # writing the BM25 side (0 when it was up to date)
    duplicate_pairs: int = 0  # near-duplicate article pairs (qa/indexing/duplicates.py)
    duplicates_seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def records_problem(settings: Settings, exc: BaseException) -> str:
    where = settings.records_url or settings.data_dir / "records.sqlite"
    return (
        f"the record manager {where} cannot be read ({reason(exc)}); "
        "rebuild the index with: qa ingest --rebuild"
    )


def record_manager(settings: Settings, discard_unreadable: bool = False):
    """The record manager for this corpus's collection (``settings.records_database_url``).

    ``discard_unreadable`` (for ``--rebuild``): an unreadable SQLite file in the data dir
    is replaced by a new one (a database named by ``records_url`` is never deleted).
    """
    from langchain_classic.indexes import SQLRecordManager
    from sqlalchemy.exc import SQLAlchemyError

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        manager = SQLRecordManager(
            f"chroma/{settings.collection_name}", db_url=settings.records_database_url
        )
        manager.create_schema()
        manager.list_keys(limit=1)  # a file that is not a database fails here at the latest
    except SQLAlchemyError as exc:
        if not discard_unreadable or settings.records_url:
            raise IndexUnavailable(records_problem(settings, exc)) from exc
        (settings.data_dir / "records.sqlite").resolve().unlink()
        return record_manager(settings)
    return manager


def article_documents(article: Article, embedder, settings: Settings) -> list[Document]:
    """The article's chunks as LangChain documents, metadata included."""
    chunks = chunk_article(
        article, embedder.count_tokens, settings.chunk_tokens, settings.chunk_overlap_sentences
    )
    return chunk_documents(article, chunks)


def chunk_documents(article: Article, chunks: list[Chunk]) -> list[Document]:
    """``chunks`` of ``article`` as LangChain documents, metadata included."""
    return [
        Document(
            page_content=c.text,
            metadata={
                "article_id": article.id,
                "chunk_id": c.id,
                "n": c.n,
                "start": c.start,
                "end": c.end,
                "title": article.title,
                "published": article.published,
                "published_int": date_int(article.published),
                "url": article.url,
            },
        )
        for c in chunks
    ]


def chunk_key(doc: Document) -> str:
    """A chunk's id: LangChain's sha256 key of its text and metadata, computed here so
    that a sync can compare the records, the store and the corpus before indexing."""

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    return sha(sha(doc.page_content) + sha(json.dumps(doc.metadata, sort_keys=True)))


def _fingerprint(article: Article, settings: Settings) -> str:
    key = f"{article.sha256}|{article.title}|{article.published}|{settings.chunk_tokens}|"
    key += f"{settings.chunk_overlap_sentences}|{settings.embedding_model}"
    return hashlib.sha256(key.encode()).hexdigest()


def sync_corpus(
    settings: Settings,
    embedder,
    store,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_wait_seconds: float = 0.0,
    hold_lock: bool = True,
    live: LiveIndex | None = None,
) -> SyncSummary:
    """Bring the store in line with ``settings.corpus_dir``; returns what changed.

    What is stored is published part-way through a long sync (``publish.py``), so that
    questions are answered from it meanwhile. ``live``: the serving process's
    ``LiveIndex``, whose questions the sync lets go first and never changes the index
    under. ``hold_lock=False``: the caller already holds ``sync_lock``
    (``LiveIndex.syncing``).
    """
    if not settings.corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {settings.corpus_dir} does not exist")
    if not hold_lock:
        return _sync(settings, embedder, store, rebuild, progress, live)
    with sync_lock(settings.data_dir, lock_wait_seconds):
        return _sync(settings, embedder, store, rebuild, progress, live)


def _sync(settings: Settings, embedder, store, rebuild: bool, progress, live) -> SyncSummary:
    started = time.perf_counter()
    pause = live.yield_to_questions if live is not None else lambda: None
    publisher = Publisher(settings, live.publishing if live is not None else None, pause)
    count_tokens = pausing(embedder.count_tokens, pause)
    records = record_manager(settings, discard_unreadable=rebuild)
    loaded = load_corpus(settings.corpus_dir, settings.max_article_mb)
    summary = SyncSummary(errors=loaded.errors, warnings=loaded.warnings)
    with store_errors(settings):
        if rebuild:
            with publisher.guard():
                _drop_everything(settings, store, records)
    previous = _previous_manifest(settings, summary)
    docs: list[Document] = []
    manifest: dict[str, dict] = {}
    texts: dict[str, str] = {}  # for the near-duplicate check
    cut_before = {} if rebuild else read_chunk_cache(settings)
    cut: dict[str, dict] = {}
    for loaded_article in loaded.articles:
        pause()
        rel = Path(loaded_article.path).relative_to(settings.corpus_dir).as_posix()
        source = _fingerprint(loaded_article, settings)  # as loaded, before the title is fit
        try:  # one article that cannot be chunked must not stop the sync
            reused = cached_chunks(cut_before.get(loaded_article.id), loaded_article, source)
            if reused is None:
                article = replace(
                    loaded_article,
                    title=fit_title(
                        loaded_article.title,
                        loaded_article.published,
                        count_tokens,
                        settings.chunk_tokens,
                    ),
                )
                chunks = chunk_article(
                    article,
                    count_tokens,
                    settings.chunk_tokens,
                    settings.chunk_overlap_sentences,
                )
            else:
                article, chunks = reused
            article_docs = chunk_documents(article, chunks)
        except Exception as exc:
            summary.errors.append({"file": rel, "error": f"{exc.__class__.__name__}: {exc}"})
            continue
        cut[article.id] = chunk_entry(source, article, chunks)
        docs.extend(article_docs)
        texts[article.id] = article.text
        fingerprint = _fingerprint(article, settings)
        manifest[article.id] = {
            "fingerprint": fingerprint,
            "title": article.title,
            "published": article.published,
            "chunks": len(article_docs),
            "path": rel,
        }
        old = previous.get(article.id)
        if old is None:
            summary.added += 1
        elif old.get("fingerprint") != fingerprint:
            summary.updated += 1
        else:
            summary.unchanged += 1
    summary.deleted = len(set(previous) - set(manifest))
    try:
        keys = [chunk_key(d) for d in docs]  # costly (json + sha256): once a chunk
        wanted = {key: d.metadata["article_id"] for key, d in zip(keys, docs, strict=True)}
        untracked, recorded = _reconcile(settings, records, store, wanted, summary)
        stale = sorted(recorded - wanted.keys())  # of removed or changed articles
        _delete(store, records, stale)
        fresh = [(key, d) for key, d in zip(keys, docs, strict=True) if key not in recorded]
        store.on_embedded = _counter(progress, len(fresh))
        store.pause = None if live is None else pause
        stored = recorded & wanted.keys()  # the corpus's chunks in the store
        step = max(1, settings.sync_batch_size)
        for i in range(0, len(fresh), step):
            pause()
            part = fresh[i : i + step]
            result = index(
                [d for _, d in part],
                records,
                store,
                cleanup=None,  # done above, without touching the records of unchanged articles
                source_id_key="article_id",  # recorded as each chunk's group
                batch_size=step,
                key_encoder=chunk_key,
            )
            summary.chunks_embedded += result["num_added"] + result["num_updated"]
            stored.update(key for key, _ in part)
            if i + step < len(fresh) and publisher.due():  # answered from meanwhile
                pause()
                publisher.publish(
                    stored_chunks(keys, docs, stored),
                    stored_manifest(manifest, keys, docs, stored),
                )
        chunks_total = store._collection.count()
    except IndexUnavailable:
        raise
    except Exception as exc:
        raise _index_failure(settings, exc) from exc
    finally:
        store.on_embedded = store.pause = None
    duplicates_started = time.perf_counter()
    summary.duplicate_pairs = record_duplicates(
        settings.data_dir, settings.collection_name, texts, manifest
    )
    summary.duplicates_seconds = round(time.perf_counter() - duplicates_started, 3)
    write_chunk_cache(settings, cut)
    summary.chunks_total = chunks_total
    summary.articles_total = len(manifest)
    changed = rebuild or summary.chunks_embedded or stale or untracked
    generation = read_generation(settings) + (1 if changed else 0)
    if changed or not sparse_is_current(settings, generation):
        sparse_started = time.perf_counter()
        # Written before the generation file names it: a reader never looks for it early.
        write_sparse(settings, generation, stored_chunks(keys, docs, None), pause)
        summary.sparse_seconds = round(time.perf_counter() - sparse_started, 3)
    if changed:
        with publisher.guard():  # no question of this process in flight
            write_manifest(settings, manifest)
            summary.generation = bump_generation(settings)
    else:
        write_manifest(settings, manifest)
        summary.generation = generation
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _previous_manifest(settings: Settings, summary: SyncSummary) -> dict[str, dict]:
    try:
        return read_manifest(settings)
    except IndexUnavailable as exc:  # it is rewritten at the end of this sync
        summary.warnings.append({"file": str(manifest_path(settings)), "warning": str(exc)})
        return {}


def _counter(progress: Progress | None, total: int) -> Callable[[int], None] | None:
    """Progress as chunks are embedded: progress(done, total); nothing when nothing to do."""
    if progress is None or not total:
        return None
    done = 0

    def embedded(n: int) -> None:
        nonlocal done
        done = min(total, done + n)
        progress(done, total)

    return embedded


def _reconcile(
    settings: Settings, records, store, wanted: dict[str, str], summary
) -> tuple[int, set[str]]:
    """Make the records agree with the store before indexing; ``wanted``: the key of
    every chunk the corpus produces -> its article id.

    Returns (chunks removed from the store, the keys now recorded)."""
    recorded = set(records.list_keys())
    stored = all_ids(store)
    where = settings.chroma_url or str(settings.data_dir / "chroma")
    lost = recorded - stored
    if lost:  # forget them, so that index() embeds again those still wanted
        records.delete_keys(list(lost))
        summary.repaired = len(lost & wanted.keys())
        summary.warnings.append(
            {
                "file": where,
                "warning": f"the index lacked {len(lost)} of the {len(recorded)} chunks the "
                f"record manager lists (a reset server or a deleted chroma.sqlite3?); "
                f"re-embedded the {summary.repaired} still in the corpus",
            }
        )
    known = stored - recorded
    adopt = [key for key in known if key in wanted]
    untracked = [key for key in known if key not in wanted]
    if adopt:  # already embedded: record them instead of embedding them again
        records.update(adopt, group_ids=[wanted[key] for key in adopt])
    if untracked:
        store.delete(untracked)
    if known:
        summary.warnings.append(
            {
                "file": where,
                "warning": f"the record manager did not know {len(known)} stored chunks "
                f"(a lost records.sqlite?): recorded {len(adopt)} without embedding them "
                f"again, removed {len(untracked)} that no article produces",
            }
        )
    return len(untracked), (recorded - lost) | set(adopt)


def _delete(store, records, keys: list[str], batch: int = 5000) -> None:
    """Remove chunks from the store, then from the records (a crash between the two
    leaves records the next sync's reconciliation forgets)."""
    for i in range(0, len(keys), batch):
        part = keys[i : i + batch]
        store.delete(part)
        records.delete_keys(part)


def _index_failure(settings: Settings, exc: Exception) -> Exception:
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        return IndexUnavailable(records_problem(settings, exc))
    if is_store_failure(exc):
        return IndexUnavailable(store_problem(settings, exc))
    return exc


def _drop_everything(settings: Settings, store, records) -> None:
    keys = records.list_keys()
    if keys:
        records.delete_keys(keys)
    store.reset_collection()
    manifest_path(settings).unlink(missing_ok=True)
