"""An article view on the page (below the sources, or in the Articles tab): opened from
a source card with every quote of the card marked, and closed once its article has left
the index (removed here, over the API, or from the folder)."""

from __future__ import annotations

import gradio as gr

from qa.answering.service import Assistant
from qa.app.articles.article_view import load_indexed_article, reader_html, spans_of


def card_article(assistant: Assistant, data: dict) -> tuple:
    """The article a source card's click names (``data``: article, start, end, spans):
    its HTML with every quote of the card marked and the one clicked (or linked to) in
    view, the view shown, and the article's id (kept, to close the view if it goes)."""
    aid = str(data.get("article") or "")
    article = load_indexed_article(assistant.settings.corpus_dir, assistant.articles(), aid)
    at = [data.get(key) for key in ("start", "end")]
    start, end = (int(x) if isinstance(x, int | float) else -1 for x in at)
    also = spans_of(str(data.get("spans") or ""))
    return reader_html(article, start, end, also), gr.update(visible=bool(aid)), aid


def close_gone(assistant: Assistant, *opened: str) -> list:
    """For each open view (its article's id, "" when none): (box, id) updates that close
    it when its article is no longer indexed, else leave it."""
    indexed = assistant.articles()
    out: list = []
    for aid in opened:
        gone = bool(aid) and aid not in indexed
        out += [gr.update(visible=False), ""] if gone else [gr.skip(), gr.skip()]
    return out
