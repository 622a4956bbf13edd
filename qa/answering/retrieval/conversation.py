"""A follow-up searches the articles the conversation is about, as well as all of them.

"Which two judges sat with Cullen?", after an answer quoting the slopping-out appeal, is
about that appeal; searched alone over 2,225 articles the rewrite may find other judges.
The articles the last answer quoted are found again from its quoted sentences (every
surface hands those over: the chat's Markdown, ``/v1``'s text), searched on their own for
a few passages, and those join the ones the whole corpus gave; the sentence scoring and
the reranker then weigh them all, so a follow-up about something new still finds it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa.answering.question.followup import conversation
from qa.answering.retrieval.articles import article_text, best_rows
from qa.answering.retrieval.hybrid import Filters
from qa.indexing.sparse import SparseIndex

MAX_QUOTES = 4  # of the last answer, looked up
MAX_ARTICLES = 2


def quoted_articles(index: SparseIndex, history: list[dict]) -> list[str]:
    """The ids of the articles that hold the sentences the last answer quoted, in the
    order quoted (a sentence is looked up by BM25 and kept only where the article holds
    its words in that order)."""
    turns = conversation(history)
    if not turns:
        return []
    found: list[str] = []
    for quote in turns[-1].quotes[:MAX_QUOTES]:
        for article in best_rows(index, quote)[:3]:
            if _holds(article_text(index, article), quote):
                found.append(article)
                break
    return list(dict.fromkeys(found))[:MAX_ARTICLES]


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _holds(article: str, quote: str) -> bool:
    words = _norm(quote).split()
    return " ".join(words[: min(len(words), 12)]) in _norm(article)


def scoped(filters: Filters | None, articles: list[str]) -> Filters | None:
    """``filters`` narrowed to ``articles``; None where the user already chose articles
    (the search is scoped already) or there are none."""
    filters = filters or Filters()
    if filters.articles or not articles:
        return None
    return replace(filters, articles=list(articles))
