"""The reader's news round: news-qa ``train`` (``../shared/news-qa/``, questions written in a
reader's own words over BBC articles) as (ids, types, start, end) windows, mixed with SQuAD
questions no earlier round saw so that Wikipedia reading does not regress.

What the reader reads when answering is a snippet: a sentence the ranker picked with the
sentences around it. The news windows are such snippets, cut from the article around the
row's evidence (its sentence, with none, one or both neighbours, drawn per pass):
- an answerable row (``paraphrase``, ``who``/``when``/``number``, ``neighbour``, ``why``/
  ``how`` with the reason or manner clause as the span): its evidence snippet with the
  answer; and, for some, the snippet of the article sentence sharing most of the
  question's terms that does not hold the answer (on topic, no answer: [CLS]);
- a ``lookalike`` row: its evidence snippet, with no answer: the sentence it looks answered
  by names another person, year, place or direction, so the reader must check them;
- a ``followup`` row: read as its standalone rewrite (what the engine hands the reader).
Deterministic: fixed seeds and order.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from qa.answering.readers.windows import answer_tokens, make_windows
from qa.text.sentences import sentence_spans
from qa.text.terms import terms
from training.paths import BBC, NEWS_QA, SEED


@dataclass
class NewsRow:
    question: str  # as the reader reads it (a follow-up's standalone rewrite)
    answers: list[str]  # [] for a look-alike
    source: str
    kind: str
    evidence: str


def load_rows(path: Path) -> list[NewsRow]:
    """The rows of a news-qa file, follow-ups as their standalone rewrite."""
    out = []
    for line in path.open(encoding="utf-8"):
        r = json.loads(line)
        question = r.get("standalone") or r["question"]
        out.append(NewsRow(question, list(r["answers"]), r["source"], r["kind"], r["evidence"]))
    return out


def article_body(source: str, corpus: Path = BBC) -> str:
    """The article's text after its title line, as the BBC files hold it."""
    text = (corpus / f"{source}.txt").read_text(encoding="utf-8", errors="replace")
    return text.split("\n", 1)[1] if "\n" in text else text


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def find_evidence(body: str, evidence: str) -> tuple[int, int]:
    """[start, end) of ``evidence`` in ``body`` (whitespace-tolerant); (-1, -1) if absent."""
    at = body.find(evidence)
    if at >= 0:
        return at, at + len(evidence)
    pattern = r"\s+".join(re.escape(w) for w in evidence.split())
    hit = re.search(pattern, body)
    return hit.span() if hit else (-1, -1)


def answer_in(body: str, ev: tuple[int, int], answer: str, question: str) -> tuple[int, int]:
    """[start, end) of ``answer`` inside the evidence span (the occurrence nearest the
    question's words when it occurs twice); (-1, -1) if absent."""
    text = body[ev[0] : ev[1]]
    hits = [m.start() for m in re.finditer(re.escape(answer), text)]
    if not hits:
        return -1, -1
    asked = set(terms(question))

    def near(i: int) -> int:
        return -len(asked & set(terms(text[max(0, i - 120) : i + len(answer) + 120])))

    at = ev[0] + min(hits, key=near)
    return at, at + len(answer)


def snippet(spans: list[tuple[int, int]], first: int, last: int, rng: random.Random):
    """[start, end) of sentences first..last with a neighbour before and after drawn at
    random (each 60%: the ranker's snippet has both when the chunk does)."""
    lo = first - 1 if first > 0 and rng.random() < 0.6 else first
    hi = last + 1 if last + 1 < len(spans) and rng.random() < 0.6 else last
    return spans[lo][0], spans[hi][1]


def covering(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The indexes of the first and last sentence overlapping [start, end)."""
    hit = [i for i, (s, e) in enumerate(spans) if s < end and start < e]
    return (hit[0], hit[-1]) if hit else (-1, -1)


class NewsWindows:
    """Collects the windows of news rows (``add``), one call per pass."""

    def __init__(self, tok, max_len: int, overlap: int, rng: random.Random, negative_share: float):
        self.tok, self.max_len, self.overlap, self.rng = tok, max_len, overlap, rng
        self.negative_share = negative_share
        self.out: list[tuple] = []
        self.skipped = 0
        self._bodies: dict[str, tuple[str, list[tuple[int, int]]]] = {}

    def _article(self, source: str):
        if source not in self._bodies:
            body = article_body(source)
            self._bodies[source] = (body, sentence_spans(body))
        return self._bodies[source]

    def _window(self, question: str, text: str, start: int, end: int) -> None:
        """The windows of ``text`` for ``question``; [start, end) the answer in ``text``
        (-1: none). A window that cuts the answer is left out."""
        for w in make_windows(self.tok, question, [text], self.max_len, self.overlap):
            s, e = answer_tokens(w, start, end) if start >= 0 else (0, 0)
            if start >= 0 and s == 0:
                continue
            self.out.append((w.ids, w.types, s, e))

    def add(self, row: NewsRow) -> None:
        body, spans = self._article(row.source)
        ev = find_evidence(body, row.evidence)
        first, last = covering(spans, *ev) if ev[0] >= 0 else (-1, -1)
        if first < 0:
            self.skipped += 1
            return
        lo, hi = snippet(spans, first, last, self.rng)
        if not row.answers:  # a look-alike: on topic, no answer
            self._window(row.question, body[lo:hi], -1, -1)
            return
        a0, a1 = answer_in(body, ev, row.answers[0], row.question)
        if a0 < 0:
            self.skipped += 1
            return
        lo, hi = min(lo, spans[covering(spans, a0, a1)[0]][0]), max(hi, a1)
        self._window(row.question, body[lo:hi], a0 - lo, a1 - lo)
        if self.rng.random() < self.negative_share:
            self._negative(row, body, spans, first, last)

    def _negative(self, row: NewsRow, body: str, spans, first: int, last: int) -> None:
        """The snippet of the sentence sharing most of the question's terms, away from the
        evidence and without any of its answers."""
        asked = set(terms(row.question))
        best, best_i = 0, -1
        for i, (s, e) in enumerate(spans):
            if first - 1 <= i <= last + 1:
                continue
            text = body[s:e]
            if any(a in text for a in row.answers):
                continue
            shared = len(asked & set(terms(text)))
            if shared > best:
                best, best_i = shared, i
        if best_i < 0:
            return
        lo, hi = snippet(spans, best_i, best_i, self.rng)
        if lo < spans[last][1] and spans[first][0] < hi:  # its neighbour is the evidence
            lo, hi = spans[best_i]
        if any(a in body[lo:hi] for a in row.answers):
            return
        self._window(row.question, body[lo:hi], -1, -1)


def news_windows(args, tok, rows: list[NewsRow] | None = None) -> tuple[list[tuple], int]:
    """``--news-passes`` passes over news-qa train (each draws its own neighbours), and the
    number of rows left out (evidence or answer not found in the article)."""
    rows = rows if rows is not None else load_rows(NEWS_QA / "train.jsonl")
    rng = random.Random(SEED + 2)
    w = NewsWindows(tok, args.max_len, args.overlap, rng, args.news_negative_share)
    for _ in range(args.news_passes):
        for row in rows:
            w.add(row)
    return w.out, w.skipped // max(1, args.news_passes)


def news_features(args, tok) -> list[tuple]:
    """The news round: news-qa train's windows and ``--news-squad`` SQuAD questions after
    those of the main and look-alike rounds (``--lookalike-share`` of them also made
    look-alikes, as in the look-alike round), shuffled."""
    from training.reader_data import Windows, _sets

    news, skipped = news_windows(args, tok)
    print(f"news-qa train: {len(news)} windows ({skipped} rows not found)", flush=True)
    rng = random.Random(SEED)
    train_rows, train_paras, _, _ = _sets(rng)
    rng = random.Random(SEED + 3)
    w = Windows(args, tok, rng)
    first = args.questions + args.lookalike_questions
    w.squad(train_rows[first : first + args.news_squad], train_paras, args.lookalike_share)
    out = news + w.out
    rng.shuffle(out)
    return out
