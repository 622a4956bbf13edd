"""Build the assistant once from Settings: the one object the CLI, UI and eval call."""

from __future__ import annotations

from dataclasses import dataclass

from qa.embeddings import Embedder, load_embedder
from qa.ingest import Progress, SyncSummary, read_manifest, sync_corpus
from qa.settings import Settings
from qa.store import CorpusStore, open_store


@dataclass
class Assistant:
    settings: Settings
    embedder: Embedder
    store: CorpusStore

    def sync(self, rebuild: bool = False, progress: Progress | None = None) -> SyncSummary:
        """Sync the corpus folder into the index (only changes are embedded)."""
        return sync_corpus(
            self.settings, self.embedder, self.store, rebuild=rebuild, progress=progress
        )

    def articles(self) -> dict[str, dict]:
        """The indexed articles, as the last sync recorded them."""
        return read_manifest(self.settings)


def build_assistant(settings: Settings, sync: bool = False) -> Assistant:
    """Load the embedder, open the store, optionally sync the corpus."""
    embedder = load_embedder(settings.embedding_model, settings.embedding_batch_size)
    store = open_store(settings, embedder)
    assistant = Assistant(settings, embedder, store)
    if sync:
        assistant.sync()
    return assistant
