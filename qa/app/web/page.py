"""HTML for the chat page. Every piece of article or answer text is escaped here."""

from __future__ import annotations

import html
import re

from qa.answering.builders.extractive import quote
from qa.answering.builders.speech import speaker_of, unwrap_double_quotes
from qa.text.markdown import escape_markdown_html as md
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
.qa-notice { color: #a40e26; font-size: 0.9rem; }
.qa-speaker { color: #6e40c9; font-size: 0.8rem; margin-top: 4px; }
#qa-header { font-size: 0.95rem; }
#qa-filter { gap: 8px; }
#qa-examples { gap: 6px; flex-wrap: wrap; align-items: center; }
#qa-examples button { flex: 0 1 auto; min-width: 0; }
#qa-examples > .qa-try { flex: 0 0 auto !important; width: auto !important;
                         min-width: 0 !important; }
.qa-note { color: #57606a; font-size: 0.85rem; }
#qa-sync-banner { border: 1px solid #bf8700; background: #fff8e6; border-radius: 8px;
                  padding: 4px 12px; }
.qa-unsupported { color: #a40e26; font-size: 0.85rem; }
#qa-confirm-remove { border: 1px solid #cf222e; border-radius: 8px; padding: 8px 12px; }
"""

# After an older answer (or one of its [n] links) is clicked and its cards are shown:
# bring the card the link names into view.
# The cards can render well after the event ends on a loaded machine: look for up to 10 s.
SCROLL_TO_HASH_JS = """() => {
  let tries = 0;
  const timer = setInterval(() => {
    const id = decodeURIComponent(location.hash.slice(1));
    const card = id && document.getElementById(id);
    if (card) card.scrollIntoView({block: 'nearest'});
    if (card || ++tries >= 100) clearInterval(timer);
  }, 100);
}"""
_MARKER = re.compile(r"\[(\d+)\]")


ABSTAINED = (
    "The articles don't say. The closest passages are in the Sources panel "
    "(on the right; below the chat on a narrow screen)."
)


def anchor(turn: int | None, n: int | str) -> str:
    """The id of source card ``n`` of the answer at chat position ``turn``."""
    return f"src-{turn}-{n}" if turn is not None else f"src-{n}"


def chat_markdown(answer: Answer, turn: int | None = None) -> str:
    """The chat message: answer text escaped (HTML and Markdown: an article's
    ``[link](…)`` shows as its characters), [n] markers linking to this answer's own
    source cards (``turn`` is the message's position in the chat), and the standalone
    question the engine answered when a follow-up was rewritten."""
    if answer.abstained:
        text = f"⚠️ **{md(ABSTAINED)}**"
    elif answer.groups and answer.backend == "extractive":  # an LLM's text reads as written
        text = grouped_markdown(answer, turn)
    else:
        speakers = {str(c.n): speaker_of(c.quote) for c in answer.citations}

        def link(n: str) -> str:
            said = speakers.pop(n, "")  # reported speech: marked once, by its speaker
            mark = f" <small>(said by {md(said)})</small>" if said else ""
            return f"[\\[{n}\\]](#{anchor(turn, n)}){mark}"

        pieces = _MARKER.split(unwrap_double_quotes(answer.answer))  # text, n, text, …
        text = "".join(link(p) if i % 2 else md(p) for i, p in enumerate(pieces))
        if answer.short_answer and answer.short_answer_confident:
            text = f"**{md(answer.short_answer)}**  \n{text}"
        if answer.unsupported:
            text += "\n\n_Some sentences are not supported by their cited passage._"
    for note in answer.notes:  # the date window applied, articles left out
        text += f"\n\n<small>{md(note)}</small>"
    standalone = (answer.standalone_question or "").strip()
    if standalone and standalone != (answer.question or "").strip():
        text += f"\n\n<small>Answering: {md(standalone)}</small>"
    return text


def grouped_markdown(answer: Answer, turn: int | None = None) -> str:
    """An overview, comparison, timeline or summary: the opening line, then one section
    per group (a heading with the article's title, or the compared side, its date and
    article id) listing its cited sentences, each linking to its source card."""
    by_n = {c.n: c for c in answer.citations}
    opening = answer.answer.split("\n", 1)[0]
    parts = [md(opening)]
    for g in answer.groups:
        heading = g.side or g.title
        meta = " · ".join(md(x) for x in (g.published, g.article) if x and not g.side)
        lines = [f"#### {md(heading)}"]
        if meta:
            lines.append(f"<small>{meta}</small>")
        lines.append("")
        for n in g.citations:
            c = by_n.get(n)
            if c is None:
                continue
            source = f" <small>({md(c.title)})</small>" if g.side else ""
            quoted = md(quote(c.quote))
            lines.append(f"- {quoted} [\\[{n}\\]](#{anchor(turn, n)}){source}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _highlighted(passage_text: str, rel_start: int, rel_end: int) -> str:
    before = html.escape(passage_text[:rel_start])
    quote = html.escape(passage_text[rel_start:rel_end])
    after = html.escape(passage_text[rel_end:])
    return f"{before}<mark>{quote}</mark>{after}"


def sources_html(answer: Answer | None, turn: int | None = None) -> str:
    """The sources panel: one card per citation, the quote highlighted in its passage.
    ``turn`` (the answer's chat position) makes the card ids unique to this answer."""
    if answer is None:
        return "<div class='qa-sources'><em>Sources of the answer appear here.</em></div>"
    parts = [f"<div class='qa-sources' data-turn='{turn}'>"]
    if answer.question:
        parts.append(f"<div class='qa-meta qa-for'>For: {html.escape(answer.question)}</div>")
    if answer.abstained:
        parts.append(
            "<div class='qa-abstain' id='qa-abstain'><strong>The articles don't say.</strong> "
            "These are the closest passages (click one to read its article):</div>"
        )
        for p in answer.passages[:3]:
            span = (p.article, p.start, p.end)
            parts.append(
                _card("", p.title, p.published, p.article, html.escape(p.text), "", None, span)
            )
    passages = {p.chunk_id: p for p in answer.passages}
    for c in answer.citations:
        p = passages.get(c.chunk_id)
        if p is not None and p.start <= c.start and c.end <= p.end:
            body = _highlighted(p.text, c.start - p.start, c.end - p.start)
        else:
            body = f"<mark>{html.escape(c.quote)}</mark>"
        warn = "" if c.supported else "<div class='qa-unsupported'>does not support the claim</div>"
        if c.also_in:  # near-duplicate copies of the story, shown once
            also = ", ".join(html.escape(a) for a in c.also_in)
            warn += f"<div class='qa-meta qa-also'>also in: {also}</div>"
        said = speaker_of(c.quote)
        if said:
            warn += f"<div class='qa-speaker'>Reported speech, said by {html.escape(said)}</div>"
        span = (c.article, c.start, c.end)
        parts.append(_card(str(c.n), c.title, c.published, c.article, body, warn, turn, span))
    parts.append("</div>")
    return "".join(parts)


def _card(
    n: str,
    title: str,
    published: str,
    article: str,
    body: str,
    extra: str,
    turn: int | None = None,
    span: tuple[str, int, int] | None = None,
) -> str:
    ident = f" id='{anchor(turn, n)}'" if n else ""
    label = f"[{n}] " if n else ""
    when = html.escape(published) or "no date"  # every source shows its date
    meta = " · ".join(x for x in (when, html.escape(article)) if x)
    data, read = "", ""
    if span is not None:  # a click opens the whole article (reader.py)
        aid, start, end = span
        data = (
            f" data-article='{html.escape(aid, quote=True)}'"
            f" data-start='{int(start)}' data-end='{int(end)}'"
        )
        read = "<div class='qa-read'>Read the whole article ›</div>"
    return (
        f"<div class='qa-source'{ident}{data}><h4>{label}{html.escape(title)}</h4>"
        f"<div class='qa-meta'>{meta}</div><div class='qa-passage'>{body}</div>{extra}"
        f"{read}</div>"
    )


def error_html(message: str) -> str:
    return f"<div class='qa-abstain'><strong>Error:</strong> {html.escape(message)}</div>"


def notice_html(message: str) -> str:
    """A short message under the question box (the answer and its sources stay)."""
    return f"<div class='qa-notice'>{html.escape(message)}</div>"


def note_html(message: str) -> str:
    """A neutral note under the question box ("" when there is nothing to say)."""
    return f"<div class='qa-note'>{html.escape(message)}</div>" if message else ""


def api_history(history: object) -> list[dict]:
    """An API caller's conversation as the engine takes it: {role, content} with role
    user or assistant and text content; anything else is left out."""
    turns = []
    for m in history if isinstance(history, list) else []:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            continue
        if isinstance(m.get("content"), str) and m["content"].strip():
            turns.append({"role": m["role"], "content": m["content"]})
    return turns
