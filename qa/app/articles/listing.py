"""The Articles tab's list: rows from the sync manifest (title, date, chunks, copies),
searched, filtered by category and date, and paged, so thousands of articles stay
usable. The same category/date filter restricts the chat's retrieval."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from qa.answering.retrieval.hybrid import Filters

PAGE_SIZE = 50
ALL_CATEGORIES = "(all categories)"
TOP_LEVEL = "(top level)"
HEADERS = ["title", "published", "chunks", "duplicates", "id", "file"]


@dataclass
class ArticleRow:
    id: str
    title: str
    published: str
    chunks: int
    duplicates: int  # other copies: the same text and title, or near-duplicates
    path: str

    @property
    def category(self) -> str:
        return category_of(self.id)

    def cells(self) -> list:
        return [self.title, self.published, self.chunks, self.duplicates, self.id, self.path]


def category_of(article_id: str) -> str:
    """The top folder of the article (``sport`` for ``sport/014``)."""
    return article_id.split("/", 1)[0] if "/" in article_id else TOP_LEVEL


def article_rows(manifest: dict[str, dict]) -> list[ArticleRow]:
    """Every indexed article, sorted by id, with its count of other copies (exact, or
    near-duplicates the sync found: ``duplicate_group``)."""
    same = Counter(m.get("fingerprint", aid) for aid, m in manifest.items())
    near = Counter(m["duplicate_group"] for m in manifest.values() if m.get("duplicate_group"))

    def copies(aid: str, m: dict) -> int:
        group = m.get("duplicate_group")
        return max(same[m.get("fingerprint", aid)], near[group] if group else 0) - 1

    return [
        ArticleRow(
            aid,
            m.get("title", ""),
            m.get("published", ""),
            int(m.get("chunks", 0)),
            copies(aid, m),
            m.get("path", ""),
        )
        for aid, m in sorted(manifest.items())
    ]


def categories(rows: list[ArticleRow]) -> list[str]:
    return [ALL_CATEGORIES, *sorted({r.category for r in rows})]


def counted(n: int, word: str) -> str:
    """ "1 chunk", "0 chunks", "1,024 chunks"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def indexed_text(n: int) -> str:
    """ "1 article indexed", "2,225 articles indexed"."""
    return f"{counted(n, 'article')} indexed"


def filter_rows(
    rows: list[ArticleRow],
    query: str = "",
    category: str = "",
    date_from: str = "",
    date_to: str = "",
    mentions: set[str] | None = None,
) -> list[ArticleRow]:
    """Rows whose title, id or file contain every word of ``query`` (first), then those
    whose text does (``mentions``: their ids, from the index), in ``category``, published
    within [date_from, date_to] (undated articles are out once a date is set)."""
    needles = (query or "").lower().split()
    titled, mentioned = [], []
    for r in in_scope(rows, category):
        if (date_from or date_to) and not r.published:
            continue
        if (date_from and r.published < date_from) or (date_to and r.published > date_to):
            continue
        hay = f"{r.title} {r.id} {r.path}".lower()
        if all(n in hay for n in needles):
            titled.append(r)
        elif mentions and r.id in mentions:
            mentioned.append(r)
    return titled + mentioned


def in_scope(rows: list[ArticleRow], category: str = "") -> list[ArticleRow]:
    """The rows of ``category`` (all of them for none or "(all categories)")."""
    if not category or category == ALL_CATEGORIES:
        return list(rows)
    return [r for r in rows if r.category == category]


def undated_note(rows: list[ArticleRow], date_from: str = "", date_to: str = "") -> str:
    """Why a date filter leaves articles out: none of ``rows`` has a date, or how many
    have none ("" without a date filter, or when every row is dated)."""
    if not (date_from or date_to) or not rows:
        return ""
    undated = sum(1 for r in rows if not r.published)
    if undated == len(rows):
        return (
            "none of the articles has a published date, so a date filter leaves them all "
            "out (clear the dates to list them)"
        )
    if undated:
        return f"{undated:,} without a published date left out by the date filter"
    return ""


def page_of(rows: list, page: int, size: int = PAGE_SIZE) -> tuple[list, int, int]:
    """(the rows of page ``page`` (from 1, clamped), that page number, the page count)."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, int(page or 1)), pages)
    return rows[(page - 1) * size : page * size], page, pages


def count_text(
    shown: list, matching: int, total: int, page: int, pages: int, note: str = ""
) -> str:
    """ "Articles 51–100 of 380 matching (2,225 indexed) · page 2 of 8", and ``note``
    (why a filter leaves articles out; see ``undated_note``)."""
    if not total:
        return "No articles indexed yet."
    if not matching:
        why = f": {note}" if note else ""
        return f"No article matches ({total:,} indexed){why}."
    first = (page - 1) * PAGE_SIZE + 1
    scope = f"of {matching:,} matching ({total:,} indexed)"
    if matching == total:
        scope = f"of {total:,}"
    text = f"Articles {first:,}–{first + len(shown) - 1:,} {scope} · page {page} of {pages}"
    return f"{text} · {note}" if note else text


def retrieval_filters(
    rows: list[ArticleRow],
    article: str = "",
    category: str = "",
    date_from: str = "",
    date_to: str = "",
) -> Filters:
    """The chat's filter: one article, or the articles of a category, and a date range."""
    ids: list[str] = [article] if article else []
    if category and category != ALL_CATEGORIES:
        in_category = [r.id for r in rows if r.category == category]
        ids = [i for i in ids if i in set(in_category)] if ids else in_category
        ids = ids or ["\x00none"]  # nothing in the category: match nothing
    return Filters(
        articles=ids, date_from=(date_from or "").strip(), date_to=(date_to or "").strip()
    )
