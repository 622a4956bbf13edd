"""SQuAD-format sets on disk (``../shared/squad-train``, ``../shared/squad2-dev``): their
questions, their articles' paragraphs, the held-out half of squad2-dev, and where an answer
sits in its paragraph."""

from __future__ import annotations

import json
import re
from pathlib import Path


def paragraphs(corpus: Path, slug: str) -> list[str]:
    text = (corpus / f"{slug}.txt").read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return blocks[1:]  # the first block is the title


def load_set(folder: Path) -> tuple[list[dict], dict[str, list[str]]]:
    rows = [json.loads(line) for line in (folder / "qa.jsonl").open(encoding="utf-8")]
    paras = {slug: paragraphs(folder / "corpus", slug) for slug in {r["source"] for r in rows}}
    return rows, paras


def held_out(slugs) -> set[str]:
    """Every other squad2-dev article by name: never trained on, the figures' articles."""
    return set(sorted(slugs)[1::2])


def locate(paragraph: str, answer: str, question: str) -> int:
    """The answer's char offset: the occurrence nearest the question's words."""
    hits = [i for i in range(len(paragraph)) if paragraph.startswith(answer, i)]
    if len(hits) <= 1:
        return hits[0] if hits else -1
    words = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 3}

    def near(i: int) -> int:
        ctx = paragraph[max(0, i - 150) : i + len(answer) + 150].lower()
        return -sum(1 for w in words if w in ctx)

    return min(hits, key=near)
