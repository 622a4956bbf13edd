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


def filter_rows(
    rows: list[ArticleRow],
    query: str = "",
    category: str = "",
    date_from: str = "",
    date_to: str = "",
) -> list[ArticleRow]:
    """Rows whose title, id or file contain every word of ``query``, in ``category``,
    published within [date_from, date_to] (undated articles are out once a date is set)."""
    needles = (query or "").lower().split()
    out = []
    for r in rows:
        if category and category != ALL_CATEGORIES and r.category != category:
            continue
        if (date_from or date_to) and not r.published:
            continue
        if (date_from and r.published < date_from) or (date_to and r.published > date_to):
            continue
        hay = f"{r.title} {r.id} {r.path}".lower()
        if all(n in hay for n in needles):
            out.append(r)
    return out


def page_of(rows: list, page: int, size: int = PAGE_SIZE) -> tuple[list, int, int]:
    """(the rows of page ``page`` (from 1, clamped), that page number, the page count)."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, int(page or 1)), pages)
    return rows[(page - 1) * size : page * size], page, pages


def count_text(shown: list, matching: int, total: int, page: int, pages: int) -> str:
    """ "Articles 51–100 of 380 matching (2,225 indexed) · page 2 of 8"."""
    if not total:
        return "No articles indexed yet."
    if not matching:
        return f"No article matches ({total:,} indexed)."
    first = (page - 1) * PAGE_SIZE + 1
    scope = (
        f"of {matching:,} matching ({total:,} indexed)" if matching != total else (f"of {total:,}")
    )
    return f"Articles {first:,}–{first + len(shown) - 1:,} {scope} · page {page} of {pages}"


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
