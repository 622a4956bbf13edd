"""Page boilerplate ("Updated on", "Leave a Comment", bylines, share prompts) blanked out.

Whole lines that are page furniture rather than article text are replaced by spaces of
the same length, so every other character keeps its offset (citations still index the
loaded text, and a .txt without front matter still matches the file byte for byte in
characters). Blank lines make no sentence, so they are never indexed nor shown as a
passage.
"""

from __future__ import annotations

import re

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_DATEISH = rf"(?:[\d/.,:\- ]|{_MONTH}|{_DAY}|am|pm|gmt|utc|bst|et|at|on)*"
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|and|&))*"

# Each pattern matches a whole (stripped) line, case-insensitively unless noted.
_LINES = [
    rf"(?:last\s+)?(?:updated|modified|posted|published)(?:\s+on|\s+at|:)?\s*{_DATEISH}",
    r"leave\s+a\s+(?:comment|reply)",
    r"\d*\s*comments?",
    r"(?:share|tweet|email|print)(?:\s+(?:this|the)\s+(?:article|story|page|post))?"
    r"(?:\s+(?:on|via|with)\s+[\w ,]+)?[.!:]?",
    r"share\s+on\s+(?:facebook|twitter|x|linkedin|whatsapp|reddit|email)[\w ,]*",
    r"(?:follow|like)\s+us\s+on\s+[\w ,&]+[.!]?",
    r"(?:sign\s+up|subscribe)\s+(?:for|to)\s+(?:our|the)\s+[\w ]*newsletters?[.!]?",
    r"(?:read|see)\s+(?:more|also)[:.]?(?:\s+.{0,60})?",
    r"related(?:\s+(?:articles|stories|posts))?:?",
    r"advertisements?",
    r"click\s+here\s+to\s+.{0,60}",
    r"(?:image|photo|picture)\s*(?:credit)?\s*:\s*.{0,60}",
    r"(?:all\s+rights\s+reserved|copyright\s+.{0,60}|©.{0,60})",
]
_LINE = re.compile(r"(?:" + "|".join(_LINES) + r")", re.IGNORECASE)
# Bylines are matched case-sensitively: "By Ann Writer", "By Ann Writer, Reuters".
_BYLINE = re.compile(rf"(?:By|BY|Written by|Reporting by)\s+{_NAME}(?:\s*[,|·–-]\s*{_NAME})?")
_MAX_LINE = 90  # longer lines are article text whatever they start with


def is_boilerplate(line: str) -> bool:
    """True when the stripped ``line`` is page furniture, not article text."""
    text = line.strip()
    if not text or len(text) > _MAX_LINE:
        return False
    return bool(_LINE.fullmatch(text) or _BYLINE.fullmatch(text))


def blank_boilerplate(text: str, keep_first_line: bool = False) -> str:
    """``text`` with its boilerplate lines replaced by spaces (same length, same offsets).

    ``keep_first_line`` leaves the first non-empty line alone (it is the title).
    """
    out: list[str] = []
    first = keep_first_line
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        if first and body.strip():
            first = False
            out.append(line)
            continue
        if is_boilerplate(body):
            out.append(" " * len(body) + line[len(body) :])
        else:
            out.append(line)
    return "".join(out)
