"""Example questions for the chat: the corpus's own eval.jsonl when it has one, else
questions built from the articles (who said what, what happened on a date, who a named
person is), spread over the categories (or of the one category chosen), each kept only
when the assistant answers it."""

from __future__ import annotations

import json

from qa.answering.builders.suggest import questions_from
from qa.answering.service import Assistant
from qa.app.articles.article_view import load_indexed_article
from qa.app.articles.listing import ALL_CATEGORIES, category_of
from qa.text.sentences import sentence_spans


def _in(category: str, article_id: str) -> bool:
    return not category or category == ALL_CATEGORIES or category_of(article_id) == category


def shipped_questions(
    assistant: Assistant, n: int, category: str = "", tries: int = 12
) -> list[str]:
    """Answerable questions from ``<corpus>/eval.jsonl`` (of ``category``'s articles, by
    their ``source``, when one is chosen), each asked first and offered only when the
    assistant answers it (at most ``tries`` asks): what the page offers, it answers."""
    path = assistant.settings.corpus_dir / "eval.jsonl"
    out: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(obj, dict) or not obj.get("answers") or len(out) >= n:
                continue
            if tries <= 0:
                break
            question = obj.get("question")
            if isinstance(question, str) and _in(category, str(obj.get("source") or "")):
                tries -= 1
                if not assistant.ask(question).abstained:
                    out.append(question)
    return out


def corpus_questions(
    assistant: Assistant, n: int, tries: int = 12, category: str = ""
) -> list[str]:
    """Up to ``n`` questions built from indexed articles of different categories (of
    ``category`` alone when one is chosen), each checked by asking it (at most ``tries``
    asks)."""
    manifest = assistant.articles()
    by_category: dict[str, list[str]] = {}
    for aid in sorted(manifest):
        if _in(category, aid):
            by_category.setdefault(category_of(aid), []).append(aid)
    per = 3 if len(by_category) > 1 else 2 * n  # one category: more of its articles
    picks = [ids[i] for i in range(per) for ids in by_category.values() if i < len(ids)]
    out: list[str] = []
    for aid in picks:
        if len(out) >= n or tries <= 0:
            break
        article = load_indexed_article(assistant.settings.corpus_dir, manifest, aid)
        if article is None:
            continue
        head = article.text[:1500]
        for start, end in sentence_spans(head)[1:6]:  # past the title
            found = questions_from(head[start:end], head)
            if not found:
                continue
            question = found[0][1]
            tries -= 1
            answer = assistant.ask(question)
            if not answer.abstained and question not in out:
                out.append(question)
            break
    return out


def example_questions(assistant: Assistant, n: int = 4, category: str = "") -> list[str]:
    """The chat's example questions, of ``category``'s articles when one is chosen (none
    when nothing is indexed yet)."""
    return shipped_questions(assistant, n, category) or corpus_questions(
        assistant, n, category=category
    )
