"""What the page says about what it answers from: the count in the header (of the
category chosen; while a sync runs, the articles indexed so far, as the banner counts),
the example questions (of the category chosen, once the index is there), and the note
under a refusal given inside a filter (the filter may be why)."""

from __future__ import annotations

import gradio as gr

from qa.answering.service import Assistant
from qa.app.articles.listing import (
    ALL_CATEGORIES,
    article_rows,
    counted,
    in_scope,
    indexed_text,
)
from qa.app.web.examples import example_questions
from qa.app.web.startup import BackgroundSync
from qa.text.markdown import escape_markdown_html as md

# One line at 1366 px, a category's count included
HEADER = (
    "**Ask your news articles** · {count} · answers quote and cite the articles, or say they don't"
)


def _chosen(category: str | None) -> str:
    return category if category and category != ALL_CATEGORIES else ""


class PageScope:
    """The header, the examples and the filter note for one Assistant and its syncs."""

    def __init__(self, assistant: Assistant, background: BackgroundSync, examples: int):
        self.assistant = assistant
        self.background = background
        self.max_examples = examples
        self._examples: dict[tuple[str, str], list[str]] = {}  # (sync, category): questions

    def header(self, category: str | None = "") -> str:
        """The line at the top: what the page is, and how many articles it answers from."""
        status = self.background.status
        if status.running:  # the manifest is written at the end: count as the banner does
            return HEADER.format(count=status.count_text())
        rows = article_rows(self.assistant.articles())
        count = indexed_text(len(rows))
        if _chosen(category):
            n = len(in_scope(rows, category))
            count = f"{counted(n, 'article')} in “{md(category)}” (of {len(rows):,} indexed)"
        return HEADER.format(count=count)

    def examples(self, category: str | None = "") -> list[str]:
        """Example questions (of the category chosen), worked out once per sync and
        category; none while a sync runs (the ticker shows them once it ends)."""
        status = self.background.status
        if status.running:
            return []
        key = (status.finished, _chosen(category))
        if key not in self._examples:
            if len(self._examples) > 32:
                self._examples.clear()
            self._examples[key] = example_questions(self.assistant, self.max_examples, key[1])
        return self._examples[key]

    def example_updates(self, category: str | None = "") -> tuple:
        """The examples row and its buttons, as updates."""
        found = self.examples(category)
        buttons = [
            gr.update(value=found[i], visible=True) if i < len(found) else gr.update(visible=False)
            for i in range(self.max_examples)
        ]
        return gr.update(visible=bool(found)), *buttons


def filter_note(
    total: int, in_category: int, article: str, category: str, date_from: str, date_to: str
) -> str:
    """Said under a refusal given inside a filter: what the search covered, that the
    filter may be why, and how to search everything ("" without a filter).
    ``in_category``: how many articles the category holds."""
    covered = []
    if article:
        covered.append(f"the article “{article}”")
    if _chosen(category):
        covered.append(f"the {counted(in_category, 'article')} in “{category}”")
    if date_from or date_to:
        dates = [f"from {date_from}" if date_from else "", f"to {date_to}" if date_to else ""]
        covered.append("articles published " + " ".join(d for d in dates if d))
    if not covered:
        return ""
    return (
        f"The filter may be why the articles don't say: the search covered only "
        f"{' and '.join(covered)}. Clear it to search all {counted(total, 'article')}."
    )
