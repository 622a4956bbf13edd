"""Near-duplicate articles at answer time: one copy of a story in the passages, and its
other copies named on the citation ("also in"). The sync finds the duplicates
(``qa/indexing/duplicates.py``) and records them in the manifest."""

from __future__ import annotations

from qa.types import Citation, Passage


def collapse_duplicates(passages: list[Passage], others: dict[str, list[str]]) -> list[Passage]:
    """``passages`` without those of an article whose duplicate already has a passage
    higher up (the best-ranked copy of a story stands for all of them)."""
    shown: set[str] = set()
    kept = []
    for p in passages:
        if p.article in others and any(o in shown for o in others[p.article]):
            continue
        shown.add(p.article)
        kept.append(p)
    return kept


def mark_also_in(citations: list[Citation], others: dict[str, list[str]]) -> None:
    """Name on each citation the other copies of its article (``also_in``)."""
    for c in citations:
        c.also_in = list(others.get(c.article, []))
