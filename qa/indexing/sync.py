"""Sync the corpus folder into the vector store with LangChain's indexing API.

A record manager (SQLite in the data dir) remembers the hash of every chunk it
wrote, so a sync embeds only new or changed chunks and deletes the chunks of
removed articles ("full" cleanup). Chunk ids are those hashes, and the store
upserts, so a sync killed half-way is completed by the next one without
duplicates. A file lock keeps two syncs from running at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.indexing import index

from qa.indexing.chunking import chunk_article, fit_title
from qa.indexing.corpus import Article, load_corpus
from qa.settings import Settings
from qa.text.dates import date_int

Progress = Callable[[int, int], None]


class SyncBusyError(RuntimeError):
    """Another sync holds the lock."""


@dataclass
class SyncSummary:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_embedded: int = 0
    chunks_total: int = 0
    articles_total: int = 0
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@contextlib.contextmanager
def sync_lock(data_dir: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on the data dir, waiting up to ``wait_seconds``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "sync.lock", "w") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SyncBusyError(
                        f"another sync is running on {data_dir} (lock {data_dir / 'sync.lock'}); "
                        "wait for it to finish and try again"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_manager(settings: Settings):
    """The SQLite record manager for this corpus's collection."""
    from langchain_classic.indexes import SQLRecordManager

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    manager = SQLRecordManager(
        f"chroma/{settings.collection_name}",
        db_url=f"sqlite:///{(settings.data_dir / 'records.sqlite').resolve()}",
    )
    manager.create_schema()
    return manager


def manifest_path(settings: Settings) -> Path:
    return settings.data_dir / "manifests" / f"{settings.collection_name}.json"


def read_manifest(settings: Settings) -> dict[str, dict]:
    """What the last completed sync stored, per article id."""
    path = manifest_path(settings)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_manifest(settings: Settings, manifest: dict[str, dict]) -> None:
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)  # atomic: a killed sync leaves the previous manifest


def article_documents(article: Article, embedder, settings: Settings) -> list[Document]:
    """The article's chunks as LangChain documents, metadata included."""
    chunks = chunk_article(
        article, embedder.count_tokens, settings.chunk_tokens, settings.chunk_overlap_sentences
    )
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


def _fingerprint(article: Article, settings: Settings) -> str:
    import hashlib

    key = f"{article.sha256}|{article.title}|{article.published}|{settings.chunk_tokens}|"
    key += f"{settings.chunk_overlap_sentences}|{settings.embedding_model}"
    return hashlib.sha256(key.encode()).hexdigest()


def _with_progress(docs: list[Document], progress: Progress | None) -> Iterable[Document]:
    if progress is None:
        yield from docs
        return
    total = len(docs)
    for i, doc in enumerate(docs, 1):
        if i % 50 == 0 or i == total:
            progress(i, total)
        yield doc


def sync_corpus(
    settings: Settings,
    embedder,
    store,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_wait_seconds: float = 0.0,
) -> SyncSummary:
    """Bring the store in line with ``settings.corpus_dir``; returns what changed."""
    started = time.perf_counter()
    if not settings.corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {settings.corpus_dir} does not exist")
    with sync_lock(settings.data_dir, lock_wait_seconds):
        records = record_manager(settings)
        if rebuild:
            _drop_everything(settings, store, records)
        loaded = load_corpus(settings.corpus_dir)
        previous = read_manifest(settings)
        docs: list[Document] = []
        manifest: dict[str, dict] = {}
        summary = SyncSummary(errors=loaded.errors, warnings=loaded.warnings)
        for loaded_article in loaded.articles:
            rel = Path(loaded_article.path).relative_to(settings.corpus_dir).as_posix()
            try:  # one article that cannot be chunked must not stop the sync
                article = replace(
                    loaded_article,
                    title=fit_title(
                        loaded_article.title,
                        loaded_article.published,
                        embedder.count_tokens,
                        settings.chunk_tokens,
                    ),
                )
                article_docs = article_documents(article, embedder, settings)
            except Exception as exc:
                summary.errors.append({"file": rel, "error": f"{exc.__class__.__name__}: {exc}"})
                continue
            docs.extend(article_docs)
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
        result = index(
            _with_progress(docs, progress),
            records,
            store,
            cleanup="full",
            source_id_key="article_id",
            batch_size=settings.sync_batch_size,
            key_encoder="sha256",
        )
        _write_manifest(settings, manifest)
        summary.chunks_embedded = result["num_added"] + result["num_updated"]
        summary.chunks_total = store._collection.count()
        summary.articles_total = len(manifest)
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary


def _drop_everything(settings: Settings, store, records) -> None:
    keys = records.list_keys()
    if keys:
        records.delete_keys(keys)
    store.reset_collection()
    manifest_path(settings).unlink(missing_ok=True)
