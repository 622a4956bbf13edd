"""HTML for the chat page. Every piece of article or answer text is escaped here."""

from __future__ import annotations

import html
import re

from qa.types import Answer

CSS = """
.qa-sources { display: flex; flex-direction: column; gap: 10px; }
.qa-source { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; }
.qa-source h4 { margin: 0 0 4px 0; font-size: 0.95rem; }
.qa-meta { color: #57606a; font-size: 0.8rem; margin-bottom: 6px; }
.qa-passage { white-space: pre-wrap; font-size: 0.9rem; line-height: 1.45; }
.qa-passage mark { background: #fff3a3; padding: 0 2px; }
.qa-abstain { border: 1px dashed #bf8700; background: #fff8e6; border-radius: 8px;
              padding: 10px 12px; color: #6b4b00; }
.qa-unsupported { color: #a40e26; font-size: 0.85rem; }
#qa-confirm-remove { border: 1px solid #cf222e; border-radius: 8px; padding: 8px 12px; }
"""

_MARKER = re.compile(r"\[(\d+)\]")


def chat_markdown(answer: Answer) -> str:
    """The chat message: escaped answer text, [n] markers linking to their source."""
    text = html.escape(answer.answer)
    if answer.abstained:
        return f"⚠️ **{text}**"
    text = _MARKER.sub(lambda m: f"[\\[{m.group(1)}\\]](#src-{m.group(1)})", text)
    if answer.short_answer and answer.short_answer_confident:
        text = f"**{html.escape(answer.short_answer)}**  \n{text}"
    if answer.unsupported:
        text += "\n\n_Some sentences are not supported by their cited passage._"
    return text


def _highlighted(passage_text: str, rel_start: int, rel_end: int) -> str:
    before = html.escape(passage_text[:rel_start])
    quote = html.escape(passage_text[rel_start:rel_end])
    after = html.escape(passage_text[rel_end:])
    return f"{before}<mark>{quote}</mark>{after}"


def sources_html(answer: Answer | None) -> str:
    """The sources panel: one card per citation, the quote highlighted in its passage."""
    if answer is None:
        return "<div class='qa-sources'><em>Sources of the answer appear here.</em></div>"
    parts = ["<div class='qa-sources'>"]
    if answer.abstained:
        parts.append(
            "<div class='qa-abstain' id='qa-abstain'><strong>The articles don't say.</strong> "
            "Closest passages:</div>"
        )
        for p in answer.passages[:3]:
            parts.append(_card("", p.title, p.published, p.article, html.escape(p.text), ""))
    passages = {p.chunk_id: p for p in answer.passages}
    for c in answer.citations:
        p = passages.get(c.chunk_id)
        if p is not None and p.start <= c.start and c.end <= p.end:
            body = _highlighted(p.text, c.start - p.start, c.end - p.start)
        else:
            body = f"<mark>{html.escape(c.quote)}</mark>"
        warn = "" if c.supported else "<div class='qa-unsupported'>does not support the claim</div>"
        parts.append(_card(str(c.n), c.title, c.published, c.article, body, warn))
    parts.append("</div>")
    return "".join(parts)


def _card(n: str, title: str, published: str, article: str, body: str, extra: str) -> str:
    anchor = f" id='src-{n}'" if n else ""
    label = f"[{n}] " if n else ""
    meta = " · ".join(x for x in (html.escape(published), html.escape(article)) if x)
    return (
        f"<div class='qa-source'{anchor}><h4>{label}{html.escape(title)}</h4>"
        f"<div class='qa-meta'>{meta}</div><div class='qa-passage'>{body}</div>{extra}</div>"
    )


def error_html(message: str) -> str:
    return f"<div class='qa-abstain'><strong>Error:</strong> {html.escape(message)}</div>"
