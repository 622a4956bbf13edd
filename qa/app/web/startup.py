"""The sync that runs while the page is already served: its progress (articles done of
total, time left) for the page, and answers from what is indexed so far meanwhile."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field

from qa.answering.service import Assistant
from qa.app.articles.listing import counted, indexed_text
from qa.indexing.corpus import iter_article_files
from qa.indexing.sync import SyncSummary
from qa.text.paths import error_text


@dataclass
class SyncStatus:
    running: bool = False
    articles_total: int = 0
    chunks_done: int = 0  # chunks stored (whole batches written to the store)
    chunks_total: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: str = ""  # the last sync's one-line result
    error: str = ""
    # (when, seconds left then): the estimate at the last report, counted down since
    estimate: tuple[float, float] | None = None

    def record(self, stored: int, embedded: int, total: int, now: float | None = None):
        """A progress report: ``stored`` of ``total`` chunks are in the store and
        ``embedded`` embedded. The time left is worked out from the embedding rate so
        far and counts down between reports; while the stored count stands still it
        never grows (a slower stretch is taken in once the count moves)."""
        now = time.monotonic() if now is None else now
        moved = stored != self.chunks_done
        self.chunks_done, self.chunks_total = stored, total
        elapsed = now - self.started
        if embedded < 1 or elapsed <= 0:
            return
        left = (total - embedded) * elapsed / embedded
        if self.estimate is not None and not moved:
            left = min(left, self._counted_down(now))
        self.estimate = (now, left)

    def _counted_down(self, now: float) -> float:
        when, left = self.estimate
        return max(0.0, left - (now - when))

    @property
    def articles_done(self) -> int:
        """Articles indexed so far, from the share of chunks stored (chunks go in article
        order, so this is close)."""
        if not self.chunks_total:
            return 0
        return round(self.articles_total * self.chunks_done / self.chunks_total)

    @property
    def seconds_left(self) -> float | None:
        if self.estimate is not None:
            return self._counted_down(time.monotonic())
        elapsed = time.monotonic() - self.started
        if self.chunks_done < 1 or elapsed < 1:
            return None
        rate = self.chunks_done / elapsed
        return (self.chunks_total - self.chunks_done) / rate

    def banner(self) -> str:
        """What the page says while the sync runs ("" once it is done)."""
        if self.error:
            return f"The sync of the corpus failed: {self.error}"
        if not self.running:
            return ""
        total = f"{self.articles_total:,}"
        if not self.chunks_total:
            return f"Reading and chunking {total} articles… Answers come from what is indexed."
        left = self.seconds_left
        eta = ""
        if left is not None:
            eta = f", about {_duration(left)} left" if left >= 1 else ", finishing"
        return (
            f"Indexing the corpus: {self.articles_done:,} / {total} articles "
            f"({self.chunks_done:,} / {self.chunks_total:,} chunks){eta}. Answers come from "
            "the articles indexed so far."
        )

    def count_text(self) -> str:
        """The count of indexed articles while the sync runs (as the banner counts)."""
        return f"{self.articles_done:,} of {self.articles_total:,} articles indexed so far"

    def answer_note(self) -> str:
        """Said under an answer given while the sync runs."""
        if not self.running:
            return ""
        return (
            f"Indexing is in progress: this answer comes from the {self.articles_done:,} of "
            f"{self.articles_total:,} articles indexed so far."
        )


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


class BackgroundSync:
    """Runs syncs one at a time (the page's too) and reports their progress."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.lock = threading.Lock()
        self.status = SyncStatus()

    def run(self, progress=None) -> SyncSummary | None:
        """Sync now (waiting for any other sync); the status follows it. ``progress``
        (done, total) is also called, e.g. for a terminal bar. Errors are reported in the
        status and re-raised."""
        settings = self.assistant.settings
        retriever = self.assistant.retriever
        with self.lock:
            files = iter_article_files(settings.corpus_dir) if settings.corpus_dir.is_dir() else []
            self.status = SyncStatus(running=True, articles_total=len(files))
            batch = max(1, settings.sync_batch_size)

            def report(done: int, total: int) -> None:
                # ``done`` chunks were handed to the indexer, which takes them a batch at a
                # time: the batches before the current one are in the store. When a batch
                # is stored, the BM25 side is rebuilt at the next question to include it.
                stored = done - done % batch
                if stored != self.status.chunks_done:
                    retriever.refresh()
                self.status.record(stored, done, total)
                if progress is not None:
                    progress(done, total)

            try:
                summary = self.assistant.sync(progress=report)
                _ = retriever.index  # load the BM25 side now, not at the first question
            except Exception as exc:
                self.status.error = error_text(exc)
                self.status.running = False
                raise
            self.status.chunks_done = self.status.chunks_total
            self.status.running = False
            self.status.finished = (
                f"{indexed_text(summary.articles_total)} "
                f"({counted(summary.chunks_embedded, 'chunk')} embedded in "
                f"{summary.seconds:.0f} s)."
            )
            return summary

    def start(self, progress=None) -> threading.Thread:
        """Run the sync in a thread (the page is served meanwhile)."""

        def target():
            with contextlib.suppress(Exception):  # reported in the status, on the page
                self.run(progress)

        thread = threading.Thread(target=target, name="qa-sync", daemon=True)
        thread.start()
        return thread
