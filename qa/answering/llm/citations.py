"""Check an LLM's citations against the passages it was given.

Every ``[n]`` must name a passage; every cited sentence must be supported by its
passage (embedding similarity or term overlap at least ``threshold``). Citations
are renumbered in order of appearance and point at the exact supporting sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from qa.text.sentences import sentence_spans
from qa.text.terms import terms
from qa.types import Citation, Passage

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
ABSTAIN_PHRASES = (
    "don't say",
    "do not say",
    "does not say",
    "doesn't say",
    "not contain",
    "cannot answer",
    "can't answer",
    "no information",
    "not mentioned",
)


@dataclass
class Checked:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    abstained: bool = False


def verify_spans(citations: list[Citation], passages: list[Passage]) -> None:
    """Every quote is its exact article span (passage text is article.text[start:end])."""
    by_id = {p.chunk_id: p for p in passages}
    for c in citations:
        p = by_id.get(c.chunk_id)
        if p is None or not p.start <= c.start <= c.end <= p.end:
            raise ValueError(f"citation [{c.n}] is not inside its passage {c.chunk_id}")
        if p.text_at(c.start, c.end) != c.quote:
            raise ValueError(f"citation [{c.n}] quote differs from the article text")


def strip_markers(text: str) -> str:
    """The text without [n] markers (and without the space left before punctuation)."""
    return re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", text)).strip()


def is_abstention(text: str) -> bool:
    low = text.lower().replace("’", "'")
    return not text.strip() or any(p in low for p in ABSTAIN_PHRASES)


def _overlap(a: str, b: str) -> float:
    ta = set(terms(a))
    return len(ta & set(terms(b))) / len(ta) if ta else 0.0


class CitationChecker:
    def __init__(self, embedder, threshold: float):
        self.embedder = embedder
        self.threshold = threshold

    def check(self, text: str, passages: list[Passage]) -> Checked:
        text = text.strip()
        if is_abstention(text):
            return Checked(answer=strip_markers(text) or "The articles don't say.", abstained=True)
        spans = sentence_spans(text)
        claims = [(text[s:e], self._cited(text[s:e], len(passages))) for s, e in spans]
        p_sents = [
            [(p.start + s, p.start + e, p.text[s:e]) for s, e in sentence_spans(p.text)]
            for p in passages
        ]
        flat = [sent for sents in p_sents for sent in sents]
        plain = [strip_markers(c) for c, _ in claims]
        vecs = self.embedder.encode(plain + [s[2] for s in flat]) if flat and plain else None
        claim_vecs = vecs[: len(plain)] if vecs is not None else None
        sent_vecs = vecs[len(plain) :] if vecs is not None else None
        offsets = np.cumsum([0] + [len(s) for s in p_sents])

        numbering: dict[tuple, int] = {}
        citations: list[Citation] = []
        unsupported: list[str] = []
        out_sentences: list[str] = []
        for i, (claim, cited) in enumerate(claims):
            if not cited:  # uncited: attach the best-supporting passage sentence, if any
                best = self._best(i, range(len(flat)), claim_vecs, sent_vecs, plain, flat)
                cited_idx = [best] if best is not None and best[1] >= self.threshold else []
                if not cited_idx:
                    out_sentences.append(strip_markers(claim))
                    continue
                choices = cited_idx
            else:
                choices = []
                for n in cited:
                    lo, hi = offsets[n - 1], offsets[n]
                    best = self._best(i, range(lo, hi), claim_vecs, sent_vecs, plain, flat)
                    if best is not None:
                        choices.append(best)
            marks = []
            supported_any = False
            for j, sim in choices:
                ok = sim >= self.threshold
                supported_any |= ok
                pidx = int(np.searchsorted(offsets, j, side="right") - 1)
                key = (passages[pidx].article, flat[j][0], flat[j][1])
                if key not in numbering:
                    numbering[key] = len(numbering) + 1
                    p = passages[pidx]
                    cited = Citation.of(numbering[key], p, *flat[j][:3])
                    cited.supported = ok
                    citations.append(cited)
                marks.append(numbering[key])
            if choices and not supported_any:
                unsupported.append(plain[i])
            marker = "".join(f"[{n}]" for n in dict.fromkeys(marks))
            out_sentences.append(f"{strip_markers(claim)} {marker}".strip())
        return Checked(" ".join(out_sentences), citations, unsupported)

    @staticmethod
    def _cited(sentence: str, n_passages: int) -> list[int]:
        found = []
        for m in MARKER.finditer(sentence):
            for part in m.group(1).split(","):
                n = int(part)
                if 1 <= n <= n_passages and n not in found:  # [n] naming no passage: dropped
                    found.append(n)
        return found

    def _best(self, i, candidates, claim_vecs, sent_vecs, plain, flat):
        best = None
        for j in candidates:
            sim = max(float(claim_vecs[i] @ sent_vecs[j]), _overlap(plain[i], flat[j][2]))
            if best is None or sim > best[1]:
                best = (j, sim)
        return best
