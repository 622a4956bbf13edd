"""The reader's training data: SQuAD v1.1 train and squad2-dev, as (ids, types, start, end)
windows (start = end = 0: no answer in the window). Deterministic: fixed seeds, fixed order.

- ``features``: the main round (``python -m training.reader``'s first stage);
- ``lookalike_features``: the look-alike round that follows it: SQuAD questions the main
  round did not see, half of them also changed into look-alike unanswerables
  (``training/lookalikes.py``), and squad2-dev's questions of the training articles again.
"""

from __future__ import annotations

import itertools
import random

from qa.answering.readers.windows import answer_tokens, make_windows
from qa.evaluation import metrics as m
from qa.text.sentences import sentence_spans
from qa.text.terms import terms
from training.lookalikes import article_terms, lookalike
from training.paths import SEED, SHARED
from training.squad import held_out, load_set, locate


class Windows:
    """Collects the training windows of (question, paragraph, answer offsets) triples."""

    def __init__(self, args, tok, rng: random.Random):
        self.args, self.tok, self.rng, self.out = args, tok, rng, []

    def add(self, question: str, paragraph: str, start: int, end: int, other_windows: float):
        wins = make_windows(self.tok, question, [paragraph], self.args.max_len, self.args.overlap)
        for w in wins:
            s, e = answer_tokens(w, start, end) if start >= 0 else (0, 0)
            if s == 0 and start >= 0 and self.rng.random() > other_windows:
                continue  # only some of a long paragraph's windows without the answer
            self.out.append((w.ids, w.types, s, e))

    def squad(self, rows: list[dict], paras: dict[str, list[str]], lookalike_share: float = 0):
        """Each question with the window that answers it; some with another paragraph of
        its article (``--negative-share``) or changed into a look-alike (no answer)."""
        terms = {}
        for r in rows:
            para = paras[r["source"]][r["paragraph_index"]]
            ans = r["answers"][0]
            at = locate(para, ans, r["question"])
            if at < 0:
                continue
            self.add(r["question"], para, at, at + len(ans), other_windows=0.3)
            if self.rng.random() < self.args.negative_share:  # another paragraph
                others = [
                    p
                    for i, p in enumerate(paras[r["source"]])
                    if i != r["paragraph_index"] and not m.contains_answer(p, r["answers"])
                ]
                if others:
                    self.add(r["question"], self.rng.choice(others), -1, -1, other_windows=1.0)
            if lookalike_share and self.rng.random() < lookalike_share:
                if r["source"] not in terms:
                    terms[r["source"]] = article_terms(paras[r["source"]])
                got = lookalike(r["question"], para, r["answers"], terms[r["source"]], self.rng)
                if got:
                    self.add(got[0], para, -1, -1, other_windows=1.0)

    def dev(self, rows: list[dict], paras: dict[str, list[str]]):
        """squad2-dev's questions: the unanswerable ones with their paragraph, no answer."""
        for r in rows:
            para = paras[r["source"]][r["paragraph_index"]]
            if r["is_impossible"]:
                self.add(r["question"], para, -1, -1, other_windows=1.0)
                continue
            ans = r["answers"][0]
            at = locate(para, ans, r["question"])
            if at >= 0:
                self.add(r["question"], para, at, at + len(ans), other_windows=0.3)


def _sets(rng: random.Random):
    train_rows, train_paras = load_set(SHARED / "squad-train")
    dev_rows, dev_paras = load_set(SHARED / "squad2-dev")
    keep_out = held_out(dev_paras)
    rng.shuffle(train_rows)
    dev_train = [r for r in dev_rows if r["source"] not in keep_out]
    return train_rows, train_paras, dev_train, dev_paras


def features(args, tok) -> list[tuple]:
    """The main round: ``--questions`` SQuAD questions (a shuffled sample over all 442
    articles) and squad2-dev's questions of the training articles, shuffled."""
    rng = random.Random(SEED)
    train_rows, train_paras, dev_train, dev_paras = _sets(rng)
    w = Windows(args, tok, rng)
    w.squad(train_rows[: args.questions], train_paras)
    w.dev(dev_train, dev_paras)
    rng.shuffle(w.out)
    return w.out


REWORDED = 1 / 3  # the overlap at or under which a question counts as reworded


def overlap(row: dict, paras: dict[str, list[str]]) -> float:
    """The share of the question's terms that the sentence holding its answer has (1.0
    where the answer is not found: not counted as reworded)."""
    para = paras[row["source"]][row["paragraph_index"]]
    at = locate(para, row["answers"][0], row["question"])
    asked = set(terms(row["question"]))
    if at < 0 or not asked:
        return 1.0
    start, end = next(((s, e) for s, e in sentence_spans(para) if s <= at < e), (0, len(para)))
    return len(asked & set(terms(para[start:end]))) / len(asked)


def reworded_mix(rows: list[dict], paras: dict[str, list[str]], n: int, share: float) -> list:
    """``n`` questions of ``rows`` in order, ``share`` of them among those whose answer's
    sentence holds at most a third of their terms (the writer reworded the text: "Who
    chairs the Russian senate?" of "Valentina Matvienko, Russia's upper house speaker")."""
    n_reworded = int(n * share)
    rest = (r for r in rows[n - n_reworded :] if overlap(r, paras) <= REWORDED)
    return rows[: n - n_reworded] + list(itertools.islice(rest, n_reworded))  # stops when full


def lookalike_features(args, tok) -> list[tuple]:
    """The look-alike round: the next ``--lookalike-questions`` SQuAD questions of the same
    shuffle (none seen in the main round; ``--reworded-share`` of them reworded ones: tried,
    not shipped, see docs/experiments.md), ``--lookalike-share`` of them also changed into a
    look-alike, and squad2-dev's questions of the training articles again, shuffled."""
    rng = random.Random(SEED)
    train_rows, train_paras, dev_train, dev_paras = _sets(rng)
    rng = random.Random(SEED + 1)
    w = Windows(args, tok, rng)
    pool = train_rows[args.questions :]
    fresh = reworded_mix(pool, train_paras, args.lookalike_questions, args.reworded_share)
    w.squad(fresh, train_paras, lookalike_share=args.lookalike_share)
    w.dev(dev_train, dev_paras)
    rng.shuffle(w.out)
    return w.out
