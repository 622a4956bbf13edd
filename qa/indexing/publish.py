"""Publishing what a running sync has stored so far, so that questions read it meanwhile.

A long sync (a million-line upload, the BBC set from empty) stores its chunks a batch
at a time. Between batches, at most every ``Settings.sync_publish_seconds`` and never
for more than about a tenth of the sync's time, it publishes what is stored: the BM25
side of those chunks as a new generation, the manifest of the articles whose chunks
are all stored, then the generation number (``live.py``). Questions read the published
generation; dense hits on chunks stored but not yet published are left out
(``hybrid.py``), so a question sees one consistent index, never a half-written one.

The manifest and the generation number change inside ``guard`` (``LiveIndex.publishing``
in a serving process: no question of that process is in flight at that moment).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from langchain_core.documents import Document

from qa.indexing.live import bump_generation, read_generation
from qa.indexing.manifest import write_manifest
from qa.indexing.sparse import write_sparse
from qa.settings import Settings

COST_SHARE = 9  # wait at least this many times the last publication's cost: under 10% of a sync


class Publisher:
    """Publishes a running sync's stored chunks, when due (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        guard: Callable[[], AbstractContextManager] | None = None,
        pause: Callable[[], None] | None = None,
    ):
        self.settings = settings
        self.guard = guard or contextlib.nullcontext
        self.pause = pause  # while the BM25 side is built: questions in flight go first
        self.every = settings.sync_publish_seconds
        self.last = time.monotonic()
        self.cost = 0.0  # seconds the last publication took
        self.count = 0  # publications so far

    def due(self) -> bool:
        """Whether enough time has passed since the sync started or last published."""
        if self.every < 0:
            return False
        return time.monotonic() - self.last >= max(self.every, COST_SHARE * self.cost)

    def publish(self, chunks: Iterable[tuple[str, str, dict]], manifest: dict[str, dict]) -> int:
        """Make ``chunks`` ((key, text, metadata) of what the store holds) and ``manifest``
        the index that questions read; returns the new generation. Call under the sync
        lock."""
        started = time.monotonic()
        generation = read_generation(self.settings) + 1
        write_sparse(self.settings, generation, chunks, self.pause)  # before the number names it
        with self.guard():
            write_manifest(self.settings, manifest)
            new = bump_generation(self.settings)
        self.last = time.monotonic()
        self.cost = self.last - started
        self.count += 1
        return new


def stored_chunks(keys: list[str], docs: list[Document], stored: set[str] | None):
    """(key, text, metadata) of the chunks in ``stored`` (None: all), for the BM25 side."""
    for key, d in zip(keys, docs, strict=True):
        if stored is None or key in stored:
            yield key, d.page_content, d.metadata


def stored_manifest(
    manifest: dict[str, dict], keys: list[str], docs: list[Document], stored: set[str]
) -> dict[str, dict]:
    """The entries of ``manifest`` whose chunks are all in ``stored``."""
    partial = {d.metadata["article_id"] for k, d in zip(keys, docs, strict=True) if k not in stored}
    return {aid: entry for aid, entry in manifest.items() if aid not in partial}
