"""Build the assistant once from Settings: the one object the CLI, UI and eval call."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.answering.builders.extractive import ExtractiveAnswerer, nothing_found_text
from qa.answering.builders.overview import Overviews
from qa.answering.builders.summary import Summaries
from qa.answering.chain import build_prepare_chain
from qa.answering.llm.citations import verify_spans
from qa.answering.question.check import QuestionError, check_question
from qa.answering.question.expected import bare_reason
from qa.answering.question.kinds import classify, with_time
from qa.answering.ranking.cross_encoder import RerankerUnavailable, load_cross_encoder
from qa.answering.ranking.learned import ModelError, load_models
from qa.answering.ranking.rerank import SentenceReranker, shown
from qa.answering.readers.evidence import ReaderModels, load_reader_models, read
from qa.answering.readers.reader import ReaderUnavailable, load_reader
from qa.answering.retrieval.dedupe import mark_also_in
from qa.answering.retrieval.hybrid import Filters, HybridRetriever
from qa.answering.retrieval.timefilter import TimePlan, newest_date, plan_time
from qa.indexing.duplicates import duplicate_groups
from qa.indexing.embeddings import Embedder, load_embedder
from qa.indexing.errors import IndexUnavailable
from qa.indexing.live import LiveIndex
from qa.indexing.store import CorpusStore, open_store, reopen_store
from qa.indexing.sync import (
    Progress,
    SyncSummary,
    manifest_path,
    read_manifest,
    sync_corpus,
)
from qa.settings import Settings
from qa.types import Answer

log = logging.getLogger(__name__)

__all__ = ["Assistant", "QuestionError", "build_assistant", "build_reader", "check_question"]


@dataclass
class Assistant:
    settings: Settings
    embedder: Embedder
    store: CorpusStore
    retriever: HybridRetriever
    reranker: SentenceReranker
    answerer: ExtractiveAnswerer
    llm: object | None = None  # a LangChain chat model when QA_LLM is set
    reader: object | None = None  # scored -> Read (readers/evidence.py); None: reader off
    cross_encoder: object | None = None  # ranking/cross_encoder.py; None: reranker off
    prepare: object = field(init=False)
    live: LiveIndex = field(init=False)  # questions at once, beside a sync; newest index

    def __post_init__(self):
        self.live = LiveIndex(self.settings, self._reload, self._refresh)
        condense = None
        if self.llm is not None:
            from qa.answering.llm.prompts import load_prompt

            condense = load_prompt("condense")
        self.prepare = build_prepare_chain(
            self.retriever,
            self.reranker,
            self.embedder,
            self.llm,
            condense,
            self.reader,
            self.settings.followup_passages,
        )
        self.prepare = self.live.guarded(self.prepare)  # newest index, unchanged meanwhile

    @property
    def backend(self) -> str:
        return self.settings.llm or "extractive"

    def sync(self, rebuild: bool = False, progress: Progress | None = None) -> SyncSummary:
        """Sync the corpus folder into the index (only changes are embedded).

        Questions are answered meanwhile, from what the sync has published so far; it
        publishes only when no question is in flight, and lets them have the CPU first."""
        with self.live.syncing():
            return sync_corpus(
                self.settings,
                self.embedder,
                self.store,
                rebuild=rebuild,
                progress=progress,
                hold_lock=False,
                live=self.live,
            )

    def _refresh(self) -> None:
        """A sync of this process published: the BM25 side is read again at the next
        question (the store is the same one)."""
        self.retriever.refresh()

    def _reload(self) -> None:
        """Another process synced: see what it wrote (runs with no question in flight)."""
        self.store = self.retriever.store = reopen_store(self.settings, self.store)
        self.retriever.refresh()

    def articles(self) -> dict[str, dict]:
        """The indexed articles, as the last sync recorded them ({} while the manifest is
        unreadable: the next sync rewrites it)."""
        try:
            return read_manifest(self.settings)
        except IndexUnavailable:
            return {}

    def _indexed(self) -> tuple[dict[str, dict], dict[str, list[str]], str]:
        """The manifest, its near-duplicate groups and its newest published date, read
        again only after a sync rewrote the manifest (3.5 ms a question for the BBC
        set's, otherwise)."""
        try:
            stat = manifest_path(self.settings).stat()
            key = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        cached = getattr(self, "_indexed_cache", None)
        if key is None or cached is None or cached[0] != key:
            manifest = self.articles()
            groups, newest = duplicate_groups(manifest), newest_date(manifest)
            cached = self._indexed_cache = (key, manifest, groups, newest)
        return cached[1], cached[2], cached[3]

    def check_question(self, question: object) -> str:
        return check_question(question, self.settings.max_question_chars)

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        """Answer ``question`` (in the context of ``history``) with citations."""
        final = None
        for piece in self.stream(question, history, k, filters):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: list[dict] | None = None,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces of the answer as they come, then the final Answer."""
        question = self.check_question(question)
        started = time.perf_counter()
        manifest, others, newest = self._indexed()  # others: near-duplicates, shown once
        when = plan_time(question, filters, manifest, newest=newest)  # "in 2005", "latest"
        grouped = self._grouped(question, history or [], when, others)
        if grouped is not None:
            if self.llm is None:
                yield grouped.answer
            else:  # the LLM writes from the same evidence; its citations are checked
                from qa.answering.llm.grouped import stream_llm_grouped

                for piece in stream_llm_grouped(self, grouped):
                    if isinstance(piece, Answer):
                        grouped = piece
                    else:
                        yield piece
            verify_spans(grouped.citations, grouped.passages)
            grouped.notes = [*when.notes, *grouped.notes]
            mark_also_in(grouped.citations, others)
            grouped.excluded_undated = when.excluded_undated
            grouped.timings["total"] = round((time.perf_counter() - started) * 1000, 2)
            yield grouped
            return
        state = self.prepare.invoke(
            {
                "question": question,
                "history": history or [],
                "k": k or self.settings.k,
                "neighbours": self.settings.read_neighbours,
                "filters": when.filters,
                "timings": {},
                "recent_days": self.settings.recent_days if when.prefer_recent else 0,
                "notes": list(when.notes),
                "duplicates": others,
                "time_words": when.applied,
            }
        )
        read = state.get("read")
        answerable = read.answerable if read is not None else state["scored"].answerable
        weak = answerable < self.answerer.threshold
        if self.llm is None or (weak and self.settings.llm_evidence_gate):
            answer = self._extractive(state)
            if answer.abstained and not answer.passages:  # say why, not "the closest passages"
                answer.answer = nothing_found_text(when.excluded_undated, len(manifest))
            answer.backend = self.backend
            yield answer.answer
        else:
            from qa.answering.llm.answer import stream_llm_answer

            answer = None
            for piece in stream_llm_answer(self, state):
                if isinstance(piece, Answer):
                    answer = piece
                else:
                    yield piece
        verify_spans(answer.citations, answer.passages)  # by construction; checked anyway
        answer.notes = [*state["notes"], *answer.notes]
        mark_also_in(answer.citations, others)
        answer.excluded_undated = when.excluded_undated
        answer.timings = {**state["timings"], **answer.timings}
        answer.timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        yield answer

    def _grouped(
        self, question: str, history: list[dict], when: TimePlan, others: dict[str, list[str]]
    ) -> Answer | None:
        """An overview, comparison, timeline or summary, extractive; None: the factoid
        path answers (a factoid, or a kind that found nothing). The question's time
        expression is a filter (``when``), not part of the topic."""
        kind = with_time(classify(question, history), question, when)
        if kind.name == "factoid":
            return None
        filters = when.filters
        start = time.perf_counter()
        with self.live.reading():
            if kind.name == "summary":
                answer = Summaries(self.retriever, self.embedder).answer(
                    kind, question, history, filters
                )
            else:
                answer = Overviews(self.retriever, self.embedder, others).answer(
                    kind, question, filters
                )
        if answer is not None:
            answer.timings[kind.name] = round((time.perf_counter() - start) * 1000, 2)
        return answer

    def _extractive(self, state: dict) -> Answer:
        start = time.perf_counter()
        found = self.answerer.answer(state["scored"], state["history"], state.get("read"))
        near = {c.chunk_id for c in found.citations}
        if found.closest is not None:  # its passage is shown, so that it can be seen
            near.add(found.closest.chunk_id)
        return Answer(
            question=state["question"],
            standalone_question=state["standalone"],
            answer=found.answer,
            short_answer=found.short_answer,
            short_answer_confidence=found.short_confidence,
            short_answer_confident=found.short_confidence >= self.answerer.short_threshold
            and not bare_reason(state["standalone"], found.short_answer),
            abstained=found.abstained,
            citations=found.citations,
            passages=shown(state["passages"], near, state["k"]),
            timings={"answer": round((time.perf_counter() - start) * 1000, 2)},
            confidence=found.confidence,
            backend="extractive",
            closest=found.closest,
        )


def build_reader(settings: Settings) -> tuple[object | None, ReaderModels | None]:
    """(scored -> Read, its models), or (None, None) when the reader is off or its files
    are missing or broken: then the learned answerer answers alone, said in one line."""
    if not settings.reader:
        return None, None
    model = settings.reader_model
    calibration = str(Path(model).with_suffix(".json")) if model else None  # beside it
    try:
        reader_models = load_reader_models(calibration)
        reader = load_reader(model or None)
    except (ReaderUnavailable, ModelError) as exc:
        log.warning("The reader is unavailable (%s); answering without it.", exc)
        return None, None
    return functools.partial(read, reader, reader_models, limit=settings.reader_sentences), (
        reader_models
    )


def build_cross_encoder(settings: Settings):
    """The cross-encoder reranker, or None when it is off or its files are missing or
    broken: then the sentence model's order stands, said in one line."""
    if not settings.reranker:
        return None
    try:
        return load_cross_encoder(settings.reranker_model or None)
    except RerankerUnavailable as exc:
        log.warning("The reranker is unavailable (%s); answering without it.", exc)
        return None


def build_assistant(settings: Settings, sync: bool = False, rebuild: bool = False) -> Assistant:
    """Load the embedder, open the store, optionally sync, build retriever and answerers.

    ``rebuild``: an embedded store that cannot be opened is replaced by an empty one."""
    embedder = load_embedder(
        settings.embedding_model, settings.embedding_batch_size, settings.embedding_precision
    )
    store = open_store(settings, embedder, discard_unreadable=rebuild)
    if sync:
        sync_corpus(settings, embedder, store)
    retriever = HybridRetriever(store, embedder, settings)
    models = load_models(settings.answerer_model or None)
    cross_encoder = build_cross_encoder(settings)
    reranker = SentenceReranker(
        embedder,
        retriever.idf,
        models,
        cross_encoder=cross_encoder,
        cross_limit=settings.rerank_sentences,
    )
    reader, reader_models = build_reader(settings)
    answerer = ExtractiveAnswerer(settings, models, reader_models)
    llm = None
    if settings.llm:
        from qa.answering.llm.backends import load_chat_model

        llm = load_chat_model(settings)
    return Assistant(
        settings, embedder, store, retriever, reranker, answerer, llm, reader, cross_encoder
    )
