"""The article reader: a source card opens the whole article (title, date, URL when known)
with the cited sentence highlighted. Every piece of article text is escaped here."""

from __future__ import annotations

import html
from pathlib import Path

from qa.indexing.corpus import ArticleError, load_article

READER_CSS = """
#qa-reader-box, #qa-article-box { border: 1px solid #d0d7de; border-radius: 8px;
                                  padding: 8px 12px; }
#qa-articles [role='gridcell'] { cursor: pointer; }
.qa-reader h3 { margin: 0 0 4px 0; }
.qa-reader-text { white-space: pre-wrap; font-size: 0.92rem; line-height: 1.5;
                  max-height: 60vh; overflow-y: auto; padding-right: 6px; }
.qa-reader-text mark { background: #fff3a3; padding: 0 2px; }
.qa-source[data-article] { cursor: pointer; }
.qa-source[data-article]:hover { border-color: #0969da; }
.qa-read { color: #0969da; font-size: 0.8rem; margin-top: 4px; }
.qa-source:target { border-color: #bf8700; box-shadow: 0 0 0 2px #fff3a3; }
"""
# Runs once when the sources panel loads: a click on a card (not on a link) asks the
# server for the whole article (see blocks.py's reader event), with every quote of the
# card (``spans``) and the one to bring into view: the [n] clicked in the card's label,
# else the [n] a chat link led to (the page's #anchor inside this card), else the first.
SOURCES_JS = """
element.addEventListener('click', (event) => {
  if (event.target.closest('a')) return;
  const card = event.target.closest('.qa-source[data-article]');
  if (!card) return;
  let focus = event.target.closest('.qa-n');
  const hash = decodeURIComponent(location.hash.slice(1));
  const linked = !focus && hash && card.querySelector('[id="' + CSS.escape(hash) + '"]');
  if (linked) focus = card.querySelector('.qa-n[data-n="' + hash.split('-').pop() + '"]');
  const at = focus || card;
  trigger('click', {article: card.dataset.article, spans: card.dataset.spans || '',
                    start: Number(at.dataset.start), end: Number(at.dataset.end)});
});
"""
# Bring the opened article into view once it is on the page. The reader's HTML can land
# well after the event ends on a loaded machine, so each script looks for it for up to
# 10 s, and scrolls once per newly rendered element (never fighting the reader's own
# scrolling afterwards).
_SCROLL_WHEN_SHOWN = """() => {{
  let last = null, tries = 0;
  const timer = setInterval(() => {{
    const found = document.querySelector('{selector}');
    if (found && found !== last && found.offsetParent !== null) {{
      found.scrollIntoView({{block: '{block}'}});
      last = found;
    }}
    if (++tries >= 100) clearInterval(timer);
  }}, 100);
}}"""
# A source card's article: the cited sentence in the middle of the reader and the window.
SCROLL_JS = _SCROLL_WHEN_SHOWN.format(selector="#qa-reader mark#qa-cited", block="center")
# An article opened from the Articles tab: its top in view (the list can be scrolled).
OPEN_ARTICLE_JS = _SCROLL_WHEN_SHOWN.format(
    selector="#qa-article-reader .qa-reader", block="nearest"
)


def load_indexed_article(corpus_dir: Path, manifest: dict[str, dict], article_id: str):
    """The article as loaded for indexing (so citation offsets match), or None."""
    meta = manifest.get(article_id)
    if not meta or not meta.get("path"):
        return None
    path = Path(corpus_dir) / meta["path"]
    try:
        article, _ = load_article(path, article_id)
    except (ArticleError, OSError):
        return None
    return article


def spans_of(text: str) -> list[tuple[int, int]]:
    """``"12-40,50-80"`` (a card's ``data-spans``) as [(12, 40), (50, 80)]; bad parts out."""
    out = []
    for part in (text or "").split(","):
        a, _, b = part.partition("-")
        if a.strip().isdigit() and b.strip().isdigit():
            out.append((int(a), int(b)))
    return out


def reader_html(article, start: int = -1, end: int = -1, also=()) -> str:
    """The whole article, the span [start, end) highlighted (``id='qa-cited'``: the one
    brought into view) and each span of ``also`` (the card's other quotes) too; escaped
    throughout."""
    if article is None:
        return (
            "<div class='qa-reader'><em>This article is no longer in the corpus "
            "(removed or renamed since it was indexed).</em></div>"
        )
    text = article.text
    meta = [html.escape(article.published)] if article.published else []
    if article.url.startswith(("http://", "https://")):
        url = html.escape(article.url, quote=True)
        meta.append(f"<a href='{url}' target='_blank' rel='noopener noreferrer'>{url}</a>")
    meta.append(html.escape(article.id))
    focus = (start, end) if 0 <= start < end <= len(text) else None
    marks = [(a, b) for a, b in also if 0 <= a < b <= len(text)]
    if focus is not None:  # a quote overlapping the one in view is marked with it
        marks = [m for m in marks if m[1] <= start or m[0] >= end] + [focus]
    marks = sorted(set(marks))
    pieces, at = [], 0
    for a, b in marks:
        if a < at:  # overlapping quotes: one mark
            continue
        ident = " id='qa-cited'" if (a, b) == focus else ""
        pieces += [html.escape(text[at:a]), f"<mark{ident}>{html.escape(text[a:b])}</mark>"]
        at = b
    body = "".join(pieces) + html.escape(text[at:])
    return (
        f"<div class='qa-reader' data-article='{html.escape(article.id, quote=True)}'>"
        f"<h3>{html.escape(article.title)}</h3>"
        f"<div class='qa-meta'>{' · '.join(meta)}</div>"
        f"<div class='qa-reader-text'>{body}</div></div>"
    )
