"""A follow-up also searches the articles the last answer quoted (retrieval/conversation.py):
on the real index and embedder, over 40 BBC articles and the seed, those articles' passages
join the corpus-wide ones, which stay."""

from __future__ import annotations

import pytest

SPEAKER = "Who is the speaker of Russia's upper house?"
FOLLOW_UP = "Did she comment on the Chelsea match?"  # she: Matvienko; the match: elsewhere


@pytest.fixture
def conversation(bbc_corpus, assistant_for):
    assistant = assistant_for(bbc_corpus)
    first = assistant.ask(SPEAKER)
    assert not first.abstained, first.answer
    seed = next(p.article for p in first.passages if "Matvienko" in p.text)
    history = [
        {"role": "user", "content": SPEAKER},
        {"role": "assistant", "content": first.answer},
    ]
    return assistant, history, seed


def _articles(assistant, history, followup_passages: int, question: str = FOLLOW_UP):
    """The articles of the passages the chain prepares for ``question`` (k=1)."""
    from qa.answering.chain import build_prepare_chain

    chain = build_prepare_chain(
        assistant.retriever,
        assistant.reranker,
        assistant.embedder,
        followup_passages=followup_passages,
    )
    state = {"question": question, "history": history, "k": 1, "filters": None, "timings": {}}
    return [p.article for p in chain.invoke(state)["passages"]]


def test_the_articles_of_the_last_answer_are_found_from_its_quotes(conversation):
    from qa.answering.retrieval.conversation import quoted_articles

    assistant, history, seed = conversation
    assert quoted_articles(assistant.retriever.index, history) == [seed]
    assert quoted_articles(assistant.retriever.index, history[:1]) == []  # nothing quoted


def test_a_follow_up_searches_the_quoted_article_besides_the_corpus(conversation):
    assistant, history, seed = conversation
    alone = _articles(assistant, history, 0)
    assert seed not in alone  # the question's words point elsewhere in the corpus
    scoped = _articles(assistant, history, 3)
    assert seed in scoped and set(alone) <= set(scoped)
    # A question that needs no context is searched as asked.
    assert seed not in _articles(assistant, history, 3, "What did the OECD say about oil?")
