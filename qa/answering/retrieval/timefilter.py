"""A question's time expression applied to retrieval: the date window as a filter, the
recency wish as a re-ranking, and notes saying what was left out.

"Now" is the newest published date in the index (a news archive's today is its last
article), else the calendar date. Articles without a date cannot be placed in a window:
they are left out of a windowed search, and the answer says how many were.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from qa.answering.retrieval.hybrid import Filters
from qa.text.timeexpr import TimeWindow, parse
from qa.types import Passage

RELEVANT_TIMES = 2  # "latest": the newest among the first 2k candidates sets the window


@dataclass
class TimePlan:
    """What the service does with a question's time expression."""

    filters: Filters
    window: TimeWindow
    prefer_recent: bool = False  # re-rank newest first (there are dated articles)
    excluded_undated: int = 0  # articles without a date the window leaves out
    notes: list[str] = field(default_factory=list)
    applied: str = ""  # the question's words the window came from ("in 2004"), if applied


def without_words(question: str, words: str) -> str:
    """``question`` without ``words`` (a time expression the search already applied): the
    reader reads "How much profit did Acme report?" in articles all from 2004, whose text
    need not say "2004" (asked with it, the missing year looked like a look-alike's)."""
    if not words:
        return question
    rest = re.sub(r"\s+", " ", re.sub(re.escape(words), " ", question, flags=re.I)).strip()
    rest = re.sub(r"\s+([?.!,])", r"\1", rest)
    rest = re.sub(r"[,;:]+([?.!])", r"\1", rest).lstrip(" ,;:")
    return rest if re.search(r"\w", rest) else question


def newest_date(manifest: dict[str, dict]) -> str:
    """The newest ISO published date among the indexed articles ("" when none has one)."""
    return max((_iso(m.get("published")) for m in manifest.values()), default="")


def _iso(value) -> str:
    text = str(value or "")[:10]
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def plan_time(
    question: str,
    filters: Filters | None,
    manifest: dict[str, dict],
    today: dt.date | None = None,
    newest: str | None = None,
) -> TimePlan:
    """The filters to search with, given the question's time expression.

    An explicit date range (``filters.date_from/date_to``, from the UI or the CLI) wins
    over the question's. A window is not applied when no indexed article has a date
    (it would leave nothing); the note says so. ``newest``: the manifest's newest date,
    when the caller already knows it."""
    filters = filters or Filters()
    newest = newest_date(manifest) if newest is None else newest
    now = dt.date.fromisoformat(newest) if newest else (today or dt.date.today())
    window = parse(question, now)
    plan = TimePlan(filters, window, prefer_recent=window.prefer_recent and bool(newest))
    explicit = bool(filters.date_from or filters.date_to)
    if window.is_window and explicit:
        plan.notes.append(
            f"The date range you set was used; “{window.matched}” in the question was not."
        )
    elif window.is_window and not newest:
        plan.notes.append(
            f"No indexed article has a published date, so “{window.matched}” "
            "could not be applied: all articles were searched."
        )
    elif window.is_window:
        plan.filters = replace(filters, date_from=window.date_from, date_to=window.date_to)
        plan.applied = window.matched
        plan.notes.append(
            f"Only articles published {window.describe()} (from “{window.matched}”"
            + (f"; today is taken as {newest}, the newest article" if _relative(window) else "")
            + ")."
        )
    if plan.filters.date_from or plan.filters.date_to:
        plan.excluded_undated = count_undated(manifest, plan.filters.articles)
        if plan.excluded_undated:
            n = plan.excluded_undated
            plan.notes.append(
                f"{n} article{'s' if n != 1 else ''} without a published date "
                f"{'were' if n != 1 else 'was'} left out by the date range."
            )
    return plan


def _relative(window: TimeWindow) -> bool:
    """Whether the window depends on "now" (no explicit year in the matched text)."""
    return not any(ch.isdigit() for ch in window.matched) or any(
        w in window.matched.lower() for w in ("past", "last")
    )


def count_undated(manifest: dict[str, dict], articles: list[str] | None = None) -> int:
    """Indexed articles (among ``articles`` when given) without a usable published date."""
    ids = set(articles) if articles else None
    return sum(
        1
        for aid, m in manifest.items()
        if (ids is None or aid in ids) and not _iso(m.get("published"))
    )


def recent_first(passages: list[Passage], k: int, days: int) -> tuple[list[Passage], int]:
    """For "latest" questions, given the search's candidates best first: the relevant
    ones (the first ``RELEVANT_TIMES * k``) of articles published within ``days`` of the
    newest relevant one, newest first. Returns (those passages, at most ``k``; how many
    undated articles among the relevant ones were left out). Without a dated relevant
    passage: the first ``k``, as the search ranked them."""
    relevant = passages[: RELEVANT_TIMES * k]
    dated = [p for p in relevant if _iso(p.published)]
    if not dated:
        return passages[:k], 0
    newest = dt.date.fromisoformat(max(_iso(p.published) for p in dated))
    start = (newest - dt.timedelta(days=days)).isoformat()
    recent = [p for p in dated if _iso(p.published) >= start]
    recent.sort(key=lambda p: (_iso(p.published), p.score), reverse=True)
    undated = {p.article for p in relevant if not _iso(p.published)}
    return recent[:k], len(undated)
