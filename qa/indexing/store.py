"""The Chroma vector store: embedded (persistent folder) or a Chroma server.

Both modes go through the same LangChain ``Chroma`` class; only the client differs.
Embeddings are always computed here and passed in, never by Chroma's default function.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from langchain_chroma import Chroma
from langchain_core.documents import Document

from qa.indexing.chunking import embedding_prefix
from qa.settings import Settings


def open_client(settings: Settings):
    """A chromadb client for the mode chosen by ``settings.chroma_url``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(
            f"QA_CHROMA_URL must look like http://host:port, not {settings.chroma_url!r}"
        )
    return chromadb.HttpClient(
        host=url.hostname,
        port=url.port or (443 if url.scheme == "https" else 8000),
        ssl=url.scheme == "https",
        settings=chroma_settings,
    )


class CorpusStore(Chroma):
    """Chroma that embeds ``title (date) + chunk`` but stores the chunk text alone.

    The stored document is exactly the article span, so offsets stay exact, while the
    vector also knows which article the passage comes from.
    """

    def add_documents(self, documents: list[Document], **kwargs) -> list[str]:
        ids = kwargs.get("ids") or [d.id for d in documents]
        if not documents:
            return []
        texts = [
            embedding_prefix(d.metadata.get("title", ""), d.metadata.get("published", ""))
            + d.page_content
            for d in documents
        ]
        vectors = self.embeddings.embed_documents(texts)
        self._collection.upsert(
            ids=list(ids),
            embeddings=vectors,
            documents=[d.page_content for d in documents],
            metadatas=[d.metadata for d in documents],
        )
        return list(ids)


@dataclass
class StoredChunk:
    id: str
    text: str
    metadata: dict


def open_store(settings: Settings, embedder, client=None) -> CorpusStore:
    """The collection for ``settings.corpus_dir`` (cosine distance)."""
    return CorpusStore(
        collection_name=settings.collection_name,
        embedding_function=embedder,
        client=client or open_client(settings),
        collection_metadata={"hnsw:space": "cosine"},
    )


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
