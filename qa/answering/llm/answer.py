"""Answer with an LLM from numbered passages, streaming, then check the citations."""

from __future__ import annotations

import time
from collections.abc import Iterator

from qa.answering.llm.backends import LLMUnavailable
from qa.answering.llm.citations import CitationChecker
from qa.answering.llm.prompts import load_prompt
from qa.types import Answer


def format_passages(passages) -> str:
    blocks = []
    for i, p in enumerate(passages, 1):
        date = f", {p.published}" if p.published else ""
        blocks.append(f"[{i}] {p.title}{date}\n{p.text.strip()}")
    return "\n\n".join(blocks)


def stream_llm_text(assistant, prompt: str, timings: dict) -> Iterator[str]:
    """The LLM's text pieces for ``prompt``; ``timings["generate"]`` set at the end."""
    start = time.perf_counter()
    try:
        for chunk in assistant.llm.stream(prompt):
            piece = str(getattr(chunk, "content", chunk))
            if piece:
                yield piece
    except LLMUnavailable:
        raise
    except Exception as exc:  # connection refused, timeouts, server errors
        raise LLMUnavailable(
            f"The language model ({assistant.settings.llm}) failed: {exc.__class__.__name__}: {exc}"
        ) from exc
    timings["generate"] = round((time.perf_counter() - start) * 1000, 2)


def stream_llm_answer(assistant, state: dict) -> Iterator[str | Answer]:
    """Yield the LLM's text pieces, then the checked Answer."""
    passages = state["passages"][: state["k"]]  # the neighbours read are not numbered
    prompt = load_prompt("answer").format(
        passages=format_passages(passages), question=state["standalone"]
    )
    timings: dict[str, float] = {}
    text = ""
    for piece in stream_llm_text(assistant, prompt, timings):
        text += piece
        yield piece
    generated = time.perf_counter()
    checked = CitationChecker(assistant.embedder, assistant.settings.support_threshold).check(
        text, passages
    )
    yield Answer(
        question=state["question"],
        standalone_question=state["standalone"],
        answer=checked.answer,
        abstained=checked.abstained,
        citations=checked.citations,
        passages=passages,
        unsupported=checked.unsupported,
        timings={**timings, "cite": round((time.perf_counter() - generated) * 1000, 2)},
        backend=assistant.settings.llm,
    )
