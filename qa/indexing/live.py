"""A live index: questions read it concurrently while a sync writes it.

Every sync that changes the index bumps a generation number in a small file beside
the manifest, also part-way through a long sync (``publish.py``). A process serving
questions compares it with the one it last saw before answering (one small file read),
and reloads what it holds in memory (the BM25 side, an embedded Chroma client) when
another process has synced since. A sync in the same process holds no lock against
questions while it works: only the moment it publishes waits for the questions in
flight (so none sees the index change under it), and between pieces of work it lets
the questions in flight have the CPU first (``yield_to_questions``).
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from qa.settings import Settings


class SyncBusyError(RuntimeError):
    """Another sync holds the lock."""


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


def generation_path(settings: Settings) -> Path:
    return settings.data_dir / "manifests" / f"{settings.collection_name}.generation"


def read_generation(settings: Settings) -> int:
    """The generation of the index on disk (0 before the first sync)."""
    try:
        return int(generation_path(settings).read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return 0


def bump_generation(settings: Settings) -> int:
    """Record that the index changed; returns the new generation. Call under the sync lock."""
    path = generation_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = read_generation(settings) + 1
    tmp = path.with_suffix(".generation.tmp")
    tmp.write_text(f"{new}\n", encoding="ascii")
    tmp.replace(path)  # atomic: readers see the old number or the new one
    return new


class ReadWriteLock:
    """Many readers at once, or one writer; a waiting writer holds back new readers."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    def wait_until_no_readers(self, limit: float) -> None:
        """Return when no reader is inside, or after ``limit`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: not self._readers, timeout=limit)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class LiveIndex:
    """Guards one process's view of the index and keeps it as new as the disk's.

    ``reload`` is called (alone, with no question in flight) when another process
    has synced since this one last looked; ``refresh`` when a sync of this process
    has published (what is in memory of the BM25 side is stale, the store is not).
    """

    YIELD_LIMIT = 30.0  # a sync waits at most this long for the questions in flight

    def __init__(
        self,
        settings: Settings,
        reload: Callable[[], None],
        refresh: Callable[[], None] | None = None,
    ):
        self.settings = settings
        self.lock = ReadWriteLock()
        self.seen = read_generation(settings)
        self._reload = reload
        self._refresh = refresh or (lambda: None)

    def _catch_up(self) -> None:
        current = read_generation(self.settings)
        if current != self.seen:
            self._reload()
            self.seen = current

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """For a question: the newest index, unchanged until the block ends."""
        if read_generation(self.settings) != self.seen:
            with self.lock.writing():
                self._catch_up()
        with self.lock.reading():
            yield

    def guarded(self, runnable):
        """``runnable`` (a LangChain runnable) run inside ``reading()``."""
        from langchain_core.runnables import RunnableLambda

        def read(state):
            with self.reading():
                return runnable.invoke(state)

        return RunnableLambda(read, name="read_index")

    @contextlib.contextmanager
    def syncing(self, lock_wait_seconds: float = 0.0) -> Iterator[None]:
        """For a sync: no other sync (in any process), and the newest index to start
        from. Questions go on meanwhile; the sync publishes inside ``publishing()``. Call
        ``sync_corpus(..., hold_lock=False, live=self)`` inside."""
        with sync_lock(self.settings.data_dir, lock_wait_seconds):
            if read_generation(self.settings) != self.seen:
                with self.lock.writing():
                    self._catch_up()
            try:
                yield
            finally:
                with self.lock.writing():  # also after a sync that failed half-way
                    self.seen = read_generation(self.settings)
                    self._refresh()

    @contextlib.contextmanager
    def publishing(self) -> Iterator[None]:
        """For the moment a sync of this process changes the generation: no question in
        flight; the next one reads what was published."""
        with self.lock.writing():
            try:
                yield
            finally:
                self.seen = read_generation(self.settings)
                self._refresh()

    def yield_to_questions(self) -> None:
        """For a sync between two pieces of work: wait while questions are in flight (at
        most ``YIELD_LIMIT`` seconds), so that they have the CPU to themselves."""
        self.lock.wait_until_no_readers(self.YIELD_LIMIT)
