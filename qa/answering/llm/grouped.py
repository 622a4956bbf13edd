"""With an LLM: overviews, comparisons, timelines and summaries written by the LLM from
the evidence the extractive answer selected (the passages holding its cited sentences),
then checked like any LLM answer (``citations.py``). The groups follow the checked
citations: one per article, in order of first citation (a comparison's group keeps the
side the extractive answer gave that article)."""

from __future__ import annotations

from collections.abc import Iterator

from qa.answering.llm.answer import format_passages, stream_llm_text
from qa.answering.llm.citations import CitationChecker
from qa.answering.llm.prompts import load_prompt
from qa.types import Answer, Group

TASKS = {
    "overview": "Say what the articles report on the topic, one or two sentences per article.",
    "timeline": "Tell what happened, in date order where the passages are dated.",
    "comparison": "Compare the named sides point by point, citing each side's passages.",
    "summary": "Summarise the article in three to five sentences, in its own order.",
}


def stream_llm_grouped(assistant, extractive: Answer) -> Iterator[str | Answer]:
    """Yield the LLM's text pieces, then the checked, grouped Answer."""
    used = {c.chunk_id for c in extractive.citations}
    passages = [p for p in extractive.passages if p.chunk_id in used]
    prompt = load_prompt("grouped").format(
        task=TASKS.get(extractive.kind, TASKS["overview"]),
        passages=format_passages(passages),
        question=extractive.question,
    )
    text, timings = "", {}
    for piece in stream_llm_text(assistant, prompt, timings):
        text += piece
        yield piece
    checked = CitationChecker(assistant.embedder, assistant.settings.support_threshold).check(
        text, passages
    )
    sides = {g.article: g.side for g in extractive.groups}
    groups: dict[str, Group] = {}
    for c in checked.citations:
        group = groups.setdefault(
            c.article, Group(c.article, c.title, c.published, sides.get(c.article, ""), [])
        )
        group.citations.append(c.n)
    yield Answer(
        question=extractive.question,
        standalone_question=extractive.standalone_question,
        answer=checked.answer,
        abstained=checked.abstained,
        citations=checked.citations,
        passages=passages,
        unsupported=checked.unsupported,
        timings={**extractive.timings, **timings},
        backend=assistant.settings.llm,
        kind=extractive.kind,
        groups=list(groups.values()),
    )
