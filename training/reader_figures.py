"""The reader's figures on the held-out squad2-dev articles, given the gold paragraph (no
retrieval): EM and F1 on the answerable questions, and how often the reader alone refuses."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qa.answering.readers.decode import best_spans
from qa.answering.readers.windows import load_tokenizer, make_windows
from qa.evaluation import metrics as m
from training.paths import SHARED
from training.squad import held_out, load_set


class OnnxRunner:
    """The exported model behind the same call as the torch one (for the figures)."""

    def __init__(self, path: Path):
        from qa.answering.readers.reader import Reader

        self.reader = Reader(path)

    def __call__(self, windows):
        return self.reader.logits(windows)


def gold_paragraph_figures(args, runner, label: str, limit: int | None = None) -> float:
    """The reader alone, given the gold paragraph, on the held-out squad2-dev articles
    (``limit`` questions, default ``--eval-limit``; 0: all)."""
    tok = load_tokenizer()
    rows, paras = load_set(SHARED / "squad2-dev")
    keep_out = held_out(paras)
    rows = [r for r in rows if r["source"] in keep_out]
    limit = args.eval_limit if limit is None else limit
    if limit:  # every n-th, so that every article keeps questions
        rows = rows[:: max(1, len(rows) // limit)]
    ems, f1s, abstained, unanswerable = [], [], [], []
    t0 = time.time()
    for r in rows:
        para = paras[r["source"]][r["paragraph_index"]]
        wins = make_windows(tok, r["question"], [para], args.max_len, args.overlap)
        s, e = runner(wins)
        spans = best_spans(wins, s, e)
        best = max(spans, key=lambda sp: sp.score)
        null = min(sp.null for sp in spans)
        abstained.append(best.score < null)
        unanswerable.append(bool(r["is_impossible"]))
        if not r["is_impossible"]:
            pred = para[best.start : best.end]
            ems.append(m.exact_match(pred, r["answers"]))
            f1s.append(m.f1(pred, r["answers"]))
    p, rec = m.abstain_precision_recall(abstained, unanswerable)
    print(
        f"reader alone ({label}), gold paragraph, {len(keep_out)} held-out squad2-dev articles "
        f"({len(ems)} answerable, {sum(unanswerable)} unanswerable; {time.time() - t0:.0f} s):\n"
        f"  answerable: EM {np.mean(ems):.3f}  F1 {np.mean(f1s):.3f}\n"
        f"  no-answer by the reader alone: abstain precision {p:.3f} recall {rec:.3f}",
        flush=True,
    )
    return float(np.mean(f1s))
