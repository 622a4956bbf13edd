"""The question-answering chain, built with LangChain runnables in one place.

    {question, history, k, filters}
      -> condense   (LLM with prompts/condense.md, or the deterministic rewrite)
      -> embed      (the standalone question, once)
      -> retrieve   (hybrid dense + BM25, fused by rank; a follow-up also searches the
                     articles the last answer quoted: retrieval/conversation.py)
      -> widen      (the chunks around the best passages: the answer is often next door)
      -> score      (learned: each sentence's P(answer), rescored by the cross-encoder
                     reranker, and P(answerable); passages reranked by their best sentence)
      -> read       (the neural reader reads the best sentences: the answer span, and
                     P(answerable) from its no-answer odds and the learned one)
      -> answer     (extractive, or an LLM whose citations are checked afterwards)

``prepare`` is the runnable for the first four stages; answering streams, so the
service drives it after ``prepare`` (see ``QAService.stream``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from langchain_core.runnables import Runnable, RunnableLambda

from qa.answering.question.followup import needs_context, standalone_question
from qa.answering.ranking.rerank import rerank
from qa.answering.readers.evidence import rerank_by_reading
from qa.answering.retrieval.articles import articles_holding
from qa.answering.retrieval.conversation import quoted_articles, scoped
from qa.answering.retrieval.dedupe import collapse_duplicates
from qa.answering.retrieval.timefilter import recent_first, without_words


def _timed(name: str, fn: Callable[[dict], object]) -> Callable[[dict], object]:
    def run(state: dict):
        start = time.perf_counter()
        out = fn(state)
        state["timings"][name] = round((time.perf_counter() - start) * 1000, 2)
        return out

    return run


def build_prepare_chain(
    retriever,
    reranker,
    embedder,
    llm=None,
    condense_prompt=None,
    reader=None,
    followup_passages: int = 0,
) -> Runnable:
    """{question, history, k, neighbours, filters, timings} -> + standalone, vector,
    passages (the k retrieved, then the chunks around the first ``neighbours`` of them;
    reranked), scored, read (the reader's outcome; None without a reader).
    ``followup_passages``: how many a follow-up takes from the articles the last answer
    quoted, besides the k (``retrieval/conversation.py``)."""

    def articles(text: str) -> list[str]:  # whom the articles call he or she
        return articles_holding(retriever.index, text)

    def condense(state: dict) -> str:
        history = state.get("history") or []
        if not history:
            return state["question"]
        if llm is None:
            return standalone_question(state["question"], history, articles)
        return condense_with_llm(llm, condense_prompt, state["question"], history, articles)

    def embed(state: dict):
        return embedder.encode([state["standalone"]])[0]

    def retrieve(state: dict):
        k, recent_days = state["k"], state.get("recent_days")
        others = state.get("duplicates") or {}  # article id -> its near-duplicates
        wanted = k * 3 if recent_days else k * 2 if others else k
        passages = retriever.search(
            state["standalone"], wanted, state.get("filters"), query_vector=state["vector"]
        )
        if others:  # one copy of a story (dedupe.py)
            passages = collapse_duplicates(passages, others)
        if recent_days:  # "latest": the newest relevant articles only (timefilter.py)
            passages, undated = recent_first(passages, k, recent_days)
            if undated:
                state.get("notes", []).append(
                    f"Newest first: {undated} relevant article{'s' if undated != 1 else ''} "
                    "without a published date left out."
                )
        passages = passages[:k]
        history = state.get("history") or []
        if followup_passages and history and needs_context(state["question"]):
            scope = scoped(state.get("filters"), quoted_articles(retriever.index, history))
            if scope is not None:
                extra = retriever.search(
                    state["standalone"], followup_passages, scope, query_vector=state["vector"]
                )
                passages = _joined(passages, extra)
        return passages

    def widen(state: dict):
        passages, n = state["passages"], state.get("neighbours", 0)
        if not n or not passages:
            return passages
        return _joined(passages, retriever.neighbours(passages[:n], state["vector"]))

    def score_sentences(state: dict):
        return reranker.score(state["standalone"], state["vector"], state["passages"])

    def reorder(state: dict):
        return rerank(state["passages"], state["scored"].sentences)

    def read_best(state: dict):  # without the time words the search applied
        asked = without_words(state["scored"].question.text, state.get("time_words", ""))
        return reader(state["scored"], asked=asked)

    def reorder_by_reading(state: dict):
        return rerank_by_reading(state["passages"], state["read"])

    return (
        _assign("standalone", _timed("condense", condense))
        | _assign("vector", _timed("embed", embed))
        | _assign("passages", _timed("retrieve", retrieve))
        | _assign("passages", _timed("neighbours", widen))
        | _assign("scored", _timed("score", score_sentences))
        | _assign("passages", reorder)
        | _assign("read", _timed("read", read_best) if reader else lambda state: None)
        | _assign("passages", reorder_by_reading)
    )


def _joined(passages: list, extra: list) -> list:
    """``passages``, then those of ``extra`` not among them (by chunk)."""
    have = {p.chunk_id for p in passages}
    return passages + [p for p in extra if p.chunk_id not in have]


def _assign(key: str, fn: Callable[[dict], object]) -> Runnable:
    """The state with ``key`` set to ``fn(state)``: RunnablePassthrough.assign for one key,
    minus the thread pool it starts on every call for no parallelism (without them, a full
    answer on the BBC corpus went from p50 80-85 ms to 55 ms, ``bench/query.py``)."""
    return RunnableLambda(lambda state: {**state, key: fn(state)}, name=key)


def condense_with_llm(llm, prompt, question: str, history: list[dict], articles=None) -> str:
    """Ask the LLM to rewrite a follow-up as a standalone question (falls back on error)."""
    turns = [
        f"{m['role'].capitalize()}: {m['content']}"
        for m in history[-6:]
        if isinstance(m.get("content"), str)
    ]
    text = prompt.format(history="\n".join(turns), question=question)
    try:
        out = llm.invoke(text)
    except Exception:  # an LLM that is down must not stop retrieval
        return standalone_question(question, history, articles)
    standalone = str(getattr(out, "content", out)).strip().splitlines()
    standalone = standalone[0].strip() if standalone else ""
    return (
        standalone
        if 3 <= len(standalone) <= 500
        else standalone_question(question, history, articles)
    )
