"""Text shown inside Markdown as the characters it is.

Article text (quotes, titles, suggested questions) can hold Markdown: a
``[link](http://elsewhere)`` or an ``![](http://elsewhere/pixel.png)`` written into an
article must show as brackets, not become a live link or an image fetched from another
host. Every ASCII punctuation character may be backslash-escaped in CommonMark, so the
escaped text renders as the original characters.
"""

from __future__ import annotations

import html
import re

# Always escaped: links, images, emphasis, code, tables, strikethrough, math, raw HTML.
_ALWAYS = set("\\`*_{}[]()!|~$@<>#")
# Only where they start Markdown: a list, a heading underline, a block quote.
_LINE_START = re.compile(r"^(\s*)([-+=>])|^(\s*\d+)([.)])", re.MULTILINE)
# Bare URLs become links in GitHub-flavoured Markdown: break "://" and "www.".
_AUTOLINK = re.compile(r"(:)(?=//)|(?<=www)(\.)", re.IGNORECASE)


def escape_markdown(text: str) -> str:
    """``text`` for plain Markdown (a renderer that may allow HTML, too): ``<``, ``>``
    and ``&`` are backslash-escaped like every other character with a meaning."""
    out = "".join("\\" + c if c in _ALWAYS or c == "&" else c for c in text)
    return _breaks(out)


def escape_markdown_html(text: str) -> str:
    """``text`` for a page's Markdown: HTML-escaped (``&lt;`` …), then Markdown-escaped."""
    escaped = html.escape(text, quote=False)  # &amp; &lt; &gt; only: no '#' to break
    return _breaks("".join("\\" + c if c in _ALWAYS else c for c in escaped))


def _breaks(text: str) -> str:
    text = _AUTOLINK.sub(lambda m: "\\" + m.group(0), text)
    return _LINE_START.sub(
        lambda m: (m.group(1) or m.group(3) or "") + "\\" + (m.group(2) or m.group(4)), text
    )


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape_markdown(text: str, entities: bool = True) -> str:
    """The original text of :func:`escape_markdown_html` (of :func:`escape_markdown`
    with ``entities`` False)."""
    text = _ESCAPED.sub(r"\1", text)
    return html.unescape(text) if entities else text


_MARKER = re.compile(r"(\[\d+\])")
# What an API client's reader shows as written needs no escape: "(", ")", "{", "}" and
# "!" mean nothing without a "[" (escaped), "#" only at a line's start (escaped there),
# "&" and "@" ("M&S", an address) make no link or tag ("<" is escaped).
_INJECTABLE = set("\\`*_[]|~$<>")
_HEADING = re.compile(r"^(\s*)(#)", re.MULTILINE)


def escape_injectable(text: str) -> str:
    """``text`` for an API client's Markdown reader: what could make a link, an image,
    raw HTML, emphasis, code, a table, math or a heading is backslash-escaped; the rest
    (parentheses, "!", "#" inside a line) stays as typed, so a client that shows the
    text raw shows no backslashes there. :func:`unescape_markdown` gives it back."""
    out = "".join("\\" + c if c in _INJECTABLE else c for c in text)
    return _HEADING.sub(r"\1\\\2", _breaks(out))


def escape_answer(text: str) -> str:
    """An answer for a Markdown reader (an API client): escaped as
    :func:`escape_injectable`, its ``[n]`` citation markers kept as they are (a ':'
    right after one is escaped, so the text cannot define where ``[n]`` links to)."""
    pieces = _MARKER.split(text)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(piece)
            continue
        escaped = escape_injectable(piece)
        out.append("\\" + escaped if i and escaped.startswith(":") else escaped)
    return "".join(out)
