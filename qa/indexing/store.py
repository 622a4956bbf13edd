"""The Chroma vector store: embedded (persistent folder) or a Chroma server.

Both modes go through the same LangChain ``Chroma`` class; only the client differs.
Embeddings are always computed here and passed in, never by Chroma's default function.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

from langchain_chroma import Chroma
from langchain_core.documents import Document

from qa.indexing.chunking import embedding_prefix
from qa.indexing.errors import IndexUnavailable, reason
from qa.settings import Settings


def store_problem(settings: Settings, exc: BaseException) -> str:
    """One line: what failed in the store, where, and what to do."""
    if settings.chroma_url:
        return (
            f"cannot use the Chroma server at {settings.chroma_url} ({reason(exc)}); "
            "start it (chroma run --path DIR --port PORT) or fix QA_CHROMA_URL"
        )
    path = settings.data_dir / "chroma" / "chroma.sqlite3"
    return (
        f"the Chroma store {path} cannot be read ({reason(exc)}); "
        "rebuild the index with: qa ingest --rebuild"
    )


def is_store_failure(exc: BaseException) -> bool:
    """Whether ``exc`` comes from Chroma itself or from reaching its server."""
    import httpx
    from chromadb.errors import ChromaError

    if isinstance(exc, (ChromaError, httpx.HTTPError, ConnectionError, TimeoutError)):
        return True
    return isinstance(exc, ValueError) and "Chroma server" in str(exc)


@contextlib.contextmanager
def store_errors(settings: Settings) -> Iterator[None]:
    """Turn a Chroma failure (server down, unreadable file) into IndexUnavailable."""
    try:
        yield
    except IndexUnavailable:
        raise
    except Exception as exc:
        if not is_store_failure(exc):
            raise
        raise IndexUnavailable(store_problem(settings, exc)) from exc


def open_client(settings: Settings, discard_unreadable: bool = False):
    """A chromadb client for the mode chosen by ``settings.chroma_url``.

    ``discard_unreadable`` (for ``--rebuild``): an embedded store that cannot be opened
    is deleted and created again, empty.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        try:
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            _forget_system(str(path))  # chromadb caches the half-started one
            if not discard_unreadable:
                raise IndexUnavailable(store_problem(settings, exc)) from exc
            shutil.rmtree(path)
            path.mkdir(parents=True)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(
            f"QA_CHROMA_URL must look like http://host:port, not {settings.chroma_url!r}"
        )
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as exc:
        raise IndexUnavailable(store_problem(settings, exc)) from exc


class CorpusStore(Chroma):
    """Chroma that embeds ``title (date) + chunk`` but stores the chunk text alone.

    The stored document is exactly the article span, so offsets stay exact, while the
    vector also knows which article the passage comes from. ``on_embedded(n)``, when
    set (by a sync), hears of every ``n`` chunks embedded; ``pause()``, when set (by a
    sync in a process that answers questions), is called before each slice of
    ``PAUSE_SLICE`` chunks, to let the questions in flight have the CPU first.
    """

    on_embedded: Callable[[int], None] | None = None
    pause: Callable[[], None] | None = None
    EMBED_SLICE = 256  # chunks embedded and stored between two progress reports
    PAUSE_SLICE = 32  # with pause(): about a second of the CPU on the reference machine

    def add_documents(self, documents: list[Document], **kwargs) -> list[str]:
        ids = kwargs.get("ids") or [d.id for d in documents]
        if not documents:
            return []
        texts = [
            embedding_prefix(d.metadata.get("title", ""), d.metadata.get("published", ""))
            + d.page_content
            for d in documents
        ]
        ids = list(ids)
        size = self.EMBED_SLICE if self.pause is None else self.PAUSE_SLICE
        for i in range(0, len(texts), size):  # stored a slice at a time, upserts are short
            if self.pause is not None:
                self.pause()
            part = slice(i, i + size)
            self._collection.upsert(
                ids=ids[part],
                embeddings=self.embeddings.embed_documents(texts[part]),
                documents=[d.page_content for d in documents[part]],
                metadatas=[d.metadata for d in documents[part]],
            )
            if self.on_embedded is not None:
                self.on_embedded(len(ids[part]))
        return list(ids)


@dataclass
class StoredChunk:
    id: str
    text: str
    metadata: dict


def open_store(
    settings: Settings, embedder, client=None, discard_unreadable: bool = False
) -> CorpusStore:
    """The collection for ``settings.corpus_dir`` (cosine distance)."""
    client = client or open_client(settings, discard_unreadable)
    with store_errors(settings):
        return CorpusStore(
            collection_name=settings.collection_name,
            embedding_function=embedder,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )


def reopen_store(settings: Settings, store: CorpusStore) -> CorpusStore:
    """The same collection through a new client, to see what another process wrote.

    An embedded Chroma client keeps its vector index in memory and does not see
    another process's writes; a server client always does, so it is kept.
    """
    if settings.chroma_url:
        return store
    _forget_system(store._client._identifier)
    return open_store(settings, store.embeddings)


def _forget_system(identifier: str) -> None:
    """Drop chromadb's cached System for a path, so the next client starts a new one.

    chromadb shares one System per path in a process. Clients still holding the old
    System keep working with it until they are garbage collected.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def all_ids(store: Chroma, batch: int = 10000) -> set[str]:
    """The id of every chunk in the collection."""
    out: set[str] = set()
    offset = 0
    while True:
        got = store._collection.get(include=[], limit=batch, offset=offset)
        out.update(got["ids"])
        if len(got["ids"]) < batch:
            return out
        offset += batch


def all_chunks(store: Chroma, batch: int = 5000) -> list[StoredChunk]:
    """Every chunk in the collection (for BM25 and the article table)."""
    out: list[StoredChunk] = []
    offset = 0
    while True:
        got = store._collection.get(include=["documents", "metadatas"], limit=batch, offset=offset)
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            out.append(StoredChunk(cid, text, dict(meta or {})))
        if len(got["ids"]) < batch:
            return out
        offset += batch
