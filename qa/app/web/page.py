"""HTML for the chat page. Every piece of article or answer text is escaped here."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from qa.answering.builders.extractive import quote
from qa.answering.builders.speech import speaker_of, unwrap_double_quotes
from qa.text.markdown import escape_markdown_html as md
from qa.types import Answer, Citation

CSS = """
.qa-sources { display: flex; flex-direction: column; gap: 10px; }
.qa-source { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; }
.qa-source h4 { margin: 0 0 4px 0; font-size: 0.95rem; }
.qa-source:has(.qa-anchor:target) { border-color: #bf8700; box-shadow: 0 0 0 2px #fff3a3; }
.qa-meta { color: #57606a; font-size: 0.8rem; margin-bottom: 6px; }
.qa-passage { white-space: pre-wrap; font-size: 0.9rem; line-height: 1.45; }
.qa-passage mark { background: #fff3a3; padding: 0 2px; }
.qa-abstain { border: 1px dashed #bf8700; background: #fff8e6; border-radius: 8px;
              padding: 10px 12px; color: #6b4b00; }
.qa-notice { color: #a40e26; font-size: 0.9rem; }
.qa-speaker { color: #6e40c9; font-size: 0.8rem; margin-top: 4px; }
.qa-passage mark.qa-near { background: #eef1f4; border-bottom: 2px dashed #8c959f; }
.qa-closest { display: block; color: #57606a; font-size: 0.85rem; margin-top: 4px; }
.qa-source .qa-n { cursor: pointer; }
.qa-source .qa-n:hover { color: #0969da; text-decoration: underline; }
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
    if answer.abstained and not answer.passages:  # nothing searched: the engine says why
        text = f"⚠️ **{md(answer.answer)}**"
    elif answer.abstained:
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
        if answer.shown_short_answer:
            text = f"**{md(answer.shown_short_answer)}**  \n{text}"
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


@dataclass
class _Shown:
    """One source card: a stretch of one article's text and the citations quoted in it."""

    article: str
    start: int
    end: int
    text: str
    citations: list[Citation] = field(default_factory=list)
    marks: list[tuple[int, int]] = field(default_factory=list)  # article offsets
    extra: str = ""

    def widen(self, start: int, end: int, text: str) -> None:
        """Take in an overlapping stretch [start, end) of the same article."""
        if start < self.start:
            self.text = text[: self.start - start] + self.text
            self.start = start
        if end > self.end:
            self.text += text[self.end - start :]
            self.end = end


def _overlapping(cards: list[_Shown], article: str, start: int, end: int) -> _Shown | None:
    """The card of ``article`` whose text overlaps [start, end), if any."""
    found = (k for k in cards if k.article == article and start < k.end and k.start < end)
    return next(found, None)


def _merged_cards(answer: Answer) -> list[_Shown]:
    """One card per citation, in citation order, except that citations of one article whose
    shown text overlaps share one card (the union of their passages, each quote marked)."""
    passages = {p.chunk_id: p for p in answer.passages}
    cards: list[_Shown] = []
    for c in answer.citations:
        p = passages.get(c.chunk_id)
        if p is not None and p.start <= c.start and c.end <= p.end:
            start, end, text = p.start, p.end, p.text
        else:
            start, end, text = c.start, c.end, c.quote
        extra = ""
        if not c.supported:
            extra = "<div class='qa-unsupported'>does not support the claim</div>"
        if c.also_in:  # near-duplicate copies of the story, shown once
            also = ", ".join(html.escape(a) for a in c.also_in)
            extra += f"<div class='qa-meta qa-also'>also in: {also}</div>"
        said = speaker_of(c.quote)
        if said:
            extra += f"<div class='qa-speaker'>Reported speech, said by {html.escape(said)}</div>"
        same = _overlapping(cards, c.article, start, end)
        if same is None:
            cards.append(_Shown(c.article, start, end, text, [c], [(c.start, c.end)], extra))
            continue
        same.widen(start, end, text)
        same.citations.append(c)
        same.marks.append((c.start, c.end))
        same.extra += extra
    return cards


def _highlighted_all(text: str, marks: list[tuple[int, int]], attrs: str = "") -> str:
    """``text`` escaped, with each [start, end) of ``marks`` (overlaps joined) marked
    (``attrs``: the mark's attributes)."""
    out, at = [], 0
    for a, b in _joined(sorted(marks)):
        a, b = max(a, at), min(b, len(text))
        if b <= a:
            continue
        out += [html.escape(text[at:a]), f"<mark{attrs}>{html.escape(text[a:b])}</mark>"]
        at = b
    out.append(html.escape(text[at:]))
    return "".join(out)


def _joined(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in marks:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


CLOSEST_NOTE = "Underlined: the sentence nearest the question; it may not answer it"


def sources_html(answer: Answer | None, turn: int | None = None) -> str:
    """The sources panel: one card per citation, the quote highlighted in its passage.
    ``turn`` (the answer's chat position) makes the card ids unique to this answer."""
    if answer is None:
        return "<div class='qa-sources'><em>Sources of the answer appear here.</em></div>"
    parts = [f"<div class='qa-sources' data-turn='{turn}'>"]
    if answer.question:
        parts.append(f"<div class='qa-meta qa-for'>For: {html.escape(answer.question)}</div>")
    if answer.abstained and not answer.passages:  # never a heading over nothing
        parts.append(
            "<div class='qa-abstain' id='qa-abstain'><strong>No sources.</strong> "
            f"{html.escape(answer.answer)}</div>"
        )
    elif answer.abstained:
        closest: list[_Shown] = []
        for p in answer.passages[:3]:  # overlapping chunks of one article: one card
            same = _overlapping(closest, p.article, p.start, p.end)
            if same is None:
                closest.append(_Shown(p.article, p.start, p.end, p.text))
            else:
                same.widen(p.start, p.end, p.text)
        titles = {p.article: (p.title, p.published) for p in answer.passages}
        near = answer.closest
        cards, legend = [], ""
        for k in closest:
            span = (k.article, k.start, k.end)
            marks = []
            if near is not None and near.article == k.article and k.start <= near.start < k.end:
                marks = [(near.start - k.start, near.end - k.start)]
                # Said at the top, where it is read before the passages (never scrolled to).
                legend = f" <span class='qa-closest'>{CLOSEST_NOTE}.</span>"
            attrs = f" class='qa-near' title='{CLOSEST_NOTE}'"
            body = _highlighted_all(k.text, marks, attrs)
            cards.append(_card("", *titles[k.article], k.article, body, "", None, span))
        parts.append(
            "<div class='qa-abstain' id='qa-abstain'><strong>The articles don't say.</strong> "
            f"These are the closest passages (click one to read its article).{legend}</div>"
        )
        parts += cards
    for card in _merged_cards(answer):
        numbers = [c.n for c in card.citations]
        rest = "".join(
            f"<span class='qa-anchor' id='{anchor(turn, n)}'></span>" for n in numbers[1:]
        )
        marks = [(a - card.start, b - card.start) for a, b in card.marks]
        body = rest + _highlighted_all(card.text, marks)
        first = card.citations[0]
        span = (first.article, first.start, first.end)
        label = "] [".join(map(str, numbers))
        meta = (first.title, first.published, first.article)
        parts.append(_card(label, *meta, body, card.extra, turn, span, numbers[0], card.citations))
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
    first: int | None = None,
    cited: list[Citation] | None = None,
) -> str:
    """A source card labelled ``[n]`` (``n`` may be "1] [2" for a shared card), its id the
    anchor of citation ``first`` (default: ``n``). ``cited``: the citations it shows; each
    ``[n]`` of the label carries its quote's span, and the card all of them, so the
    article opens with every quote marked and the one clicked (or linked to) in view."""
    ident = f" id='{anchor(turn, first if first is not None else n)}'" if n else ""
    label = f"[{n}] " if n else ""
    if cited:
        label = " ".join(
            f"<span class='qa-n' data-n='{c.n}' data-start='{int(c.start)}'"
            f" data-end='{int(c.end)}' title='Open the article at [{c.n}]'>[{c.n}]</span>"
            for c in cited
        )
        label += " "
    when = html.escape(published) or "no date"  # every source shows its date
    meta = " · ".join(x for x in (when, html.escape(article)) if x)
    data, read = "", ""
    if span is not None:  # a click opens the whole article (reader.py)
        aid, start, end = span
        data = (
            f" data-article='{html.escape(aid, quote=True)}'"
            f" data-start='{int(start)}' data-end='{int(end)}'"
        )
        if cited:
            spans = ",".join(f"{int(c.start)}-{int(c.end)}" for c in cited)
            data += f" data-spans='{spans}'"
        read = "<div class='qa-read'>Read the whole article ›</div>"
    return (
        f"<div class='qa-source'{ident}{data}><h4>{label}{html.escape(title)}</h4>"
        f"<div class='qa-meta'>{meta}</div><div class='qa-passage'>{gapless(body)}</div>{extra}"
        f"{read}</div>"
    )


_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n(?:[ \t\u00a0]*\n)*")


def gapless(body: str) -> str:
    """A passage shown without the gaps of blanked boilerplate ("Updated on", a share
    prompt: spaces kept in the text so that offsets hold): runs of blank lines become one
    paragraph break, and none opens or ends the passage."""
    return _BLANK_LINES.sub("\n\n", body).strip(" \t\n")


DELETED_MEANWHILE = (
    "This conversation was deleted while its answer was being written: the answer is shown "
    "but not saved. The next question starts a new conversation."
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
