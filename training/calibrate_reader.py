"""The reader end to end (retrieval + reranker + reader) on squad2-dev: fit its two small
models on the articles the reader did not train on (each article scored with the models
fitted on the others), and score today's answerer and the reader side by side there. Called by
``python -m training.reader`` after training; alone:

    python -m training.calibrate_reader [--e2e-limit N]

- ``answerable``: P(the passages answer the question) from the learned answerer's
  P(answerable) (as log odds), the reader's no-answer margin and its best span's score,
  the best margin of any window it read and the log of the probability of all its spans;
  threshold: raised in steps of 0.01 until the abstentions' precision first falls under
  ``TARGET_PRECISION`` (see ``abstain_threshold``).
- ``short``: P(the reader's span is exactly the answer); threshold for showing it in bold:
  the lowest where at least ``BOLD_PRECISION`` of the bold answers are exact.
Both are logistic regressions in the learned answerer's JSON format
(``qa/answering/models/reader.json``, beside ``reader.onnx``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.answering.ranking.learned import model_from_dict
from qa.answering.readers.evidence import (
    ANSWERABLE_FEATURES,
    SHORT_FEATURES,
    read,
)
from qa.answering.readers.reader import Reader
from qa.evaluation import metrics as m
from qa.evaluation.run import QAPair, run_eval
from training.answerer import fit as fit_model
from training.paths import READER_ONNX as SHIPPED
from training.paths import ROOT, SHARED
from training.squad import held_out, load_set

TARGET_PRECISION = 0.8  # refusals right 4 in 5 when fitted: about 0.79 out of fold
BOLD_PRECISION = 0.7
COLUMNS = [
    ("answer_contains", "contains"),
    ("citation_accuracy", "cit"),
    ("exact_match", "EM"),
    ("f1", "F1"),
    ("abstain_precision", "abstain P"),
    ("abstain_recall", "abstain R"),
    ("retrieval_hit_at_1", "hit@1"),
    ("latency_ms_p50", "p50 ms"),
]


def settings_for(reader: bool, model: Path = SHIPPED):
    """With the reader: the defaults (it reads the chunks around the best passages too);
    without: today's answerer, which read the retrieved passages only."""
    from qa.settings import Settings

    return Settings(
        corpus_dir=SHARED / "squad2-dev" / "corpus",
        data_dir=ROOT / ".qa" / "reader-squad2",
        reader=reader,
        reader_model=str(model),
        llm="",
        suggestions=0,
        **({} if reader else {"read_neighbours": 0}),
    )


def first_state(question: str, k: int) -> dict:
    return {
        "question": question,
        "history": [],
        "k": k,
        "neighbours": settings_for(reader=True).read_neighbours,
        "filters": None,
        "timings": {},
        "recent_days": 0,
        "notes": [],
        "duplicates": {},
    }


def fit_linear(x: np.ndarray, y: np.ndarray, names: list[str]) -> dict:
    return fit_model(x, y, names, "linear")  # the learned answerer's trainer, same JSON format


def proba(d: dict, x: np.ndarray) -> np.ndarray:
    return model_from_dict(d).proba(x)


def abstain_threshold(p: np.ndarray, unanswerable: np.ndarray, precision: float) -> float:
    """The highest threshold under which the abstentions stay >= ``precision`` right all
    the way up: raised from the least likely question, it stops where the abstentions so
    far (20 at least) fall under the target, in steps of 0.01. (The highest threshold that
    meets the target anywhere is ill-posed where precision hovers at the target: fitted on
    nearly the same features, it jumped from 0.32 to 0.43 and refused news questions it had
    answered; in steps of 0.001, one question's dip stopped it at 0.28.)"""
    best = float(np.min(p)) - 1e-6
    for t in np.unique(np.round(p, 2)):  # steps of 0.01: a dip of one question is noise
        abstain = p < t
        if abstain.sum() < 20:
            continue
        if unanswerable[abstain].mean() < precision:
            break
        best = float(t)
    return best


def bold_threshold(p: np.ndarray, exact: np.ndarray, precision: float) -> float:
    """The lowest threshold at which the bold answers are exact at least ``precision``."""
    for t in np.unique(np.round(p, 3)):
        shown = p >= t
        if shown.sum() >= 20 and exact[shown].mean() >= precision:
            return float(t)
    return 1.0


def collect(assistant, reader: Reader, rows: list[dict], limit: int) -> dict[str, np.ndarray]:
    xa, xs, unans, exact = [], [], [], []
    k, t0 = assistant.settings.k, time.time()
    for r in rows:
        state = assistant.prepare.invoke(first_state(r["question"], k))
        done = read(reader, None, state["scored"], limit)
        a, s = done.features()
        xa.append(a)
        xs.append(s)
        unans.append(bool(r["is_impossible"]))
        exact.append(not r["is_impossible"] and m.exact_match(done.span_text, r["answers"]) > 0)
    print(f"  read {len(rows)} questions in {time.time() - t0:.0f} s", flush=True)
    return {
        "answerable": np.array(xa),
        "short": np.array(xs),
        "unanswerable": np.array(unans),
        "exact": np.array(exact),
    }


def fit(data: dict[str, np.ndarray], target: float = TARGET_PRECISION) -> dict:
    answerable = fit_linear(data["answerable"], ~data["unanswerable"], ANSWERABLE_FEATURES)
    p = proba(answerable, data["answerable"])
    answerable["threshold"] = abstain_threshold(p, data["unanswerable"], target)
    mask = ~data["unanswerable"]
    short = fit_linear(data["short"][mask], data["exact"][mask], SHORT_FEATURES)
    ps = proba(short, data["short"][mask])
    short["threshold"] = bold_threshold(ps, data["exact"][mask], BOLD_PRECISION)
    return {"answerable": answerable, "short": short}


def pairs_of(rows: list[dict]) -> list[QAPair]:
    return [
        QAPair(i, r["question"], [] if r["is_impossible"] else r["answers"], r["source"])
        for i, r in enumerate(rows, 1)
    ]


def table(results: dict[str, dict]) -> str:
    head = "| answerer | " + " | ".join(c[1] for c in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 1)]
    for name, agg in results.items():
        cells = [
            f"{agg[c]:.0f}" if c.startswith("latency") else f"{agg[c]:.3f}" for c, _ in COLUMNS
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def calibrate_and_compare(args) -> None:
    """Fit the two models on the held-out articles' questions, one article left out at a
    time: each article's figures come from the models fitted on the other seven (the reader
    trained on the training articles' questions, so their no-answer margins are
    over-confident: fitted there, the combination all but ignored the learned answerer's
    view). The shipped models are then fitted on all eight. (By halves, four articles a
    side, the threshold jumped with the halves' share of unanswerables, 72% in one
    article and 36% in another.)"""
    from qa.answering.service import build_assistant
    from qa.evaluation.run import aggregate

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    rows, paras = load_set(SHARED / "squad2-dev")
    keep_out = sorted(held_out(paras))
    test_rows = [r for r in rows if r["source"] in keep_out]
    if args.e2e_limit:  # every n-th, so that every article keeps questions
        test_rows = test_rows[:: max(1, len(test_rows) // args.e2e_limit)]
    fold = np.array([keep_out.index(r["source"]) for r in test_rows])
    off = build_assistant(settings_for(reader=False), sync=True)
    reader = Reader(SHIPPED)
    n = len(keep_out)
    print(f"reading {len(test_rows)} questions of the {n} held-out articles", flush=True)
    name = f"heldout-{len(test_rows)}-{len(ANSWERABLE_FEATURES)}.npz"
    cache = ROOT / ".qa" / "reader-squad2" / name
    if args.reuse and cache.exists():  # the features of an earlier run (same reader)
        data = dict(np.load(cache))
    else:
        data = collect(off, reader, test_rows, off.settings.reader_sentences)
        np.savez(cache, **data)
    k = off.settings.k
    target = getattr(args, "target_precision", TARGET_PRECISION)
    scored: dict[str, list[dict]] = {"learned answerer (today)": [], "reader": []}
    t0 = time.time()
    if getattr(args, "no_baseline", False):  # unchanged by the reader: skip it
        del scored["learned answerer (today)"]
    else:
        scored["learned answerer (today)"] = run_eval(off, pairs_of(test_rows), k, False)["rows"]
        print(f"  learned answerer: {len(test_rows)} questions in {time.time() - t0:.0f} s")
    t0 = time.time()
    for f, slug in enumerate(keep_out):
        fitted = fit({key: v[fold != f] for key, v in data.items()}, target)
        with tempfile.TemporaryDirectory() as tmp:
            model = Path(tmp) / "reader.onnx"
            model.symlink_to(SHIPPED)
            model.with_suffix(".json").write_text(json.dumps(fitted), encoding="utf-8")
            on = build_assistant(settings_for(reader=True, model=model))
            mine = pairs_of([r for r, g in zip(test_rows, fold, strict=True) if g == f])
            scored["reader"] += run_eval(on, mine, k, progress=False)["rows"]
        print(
            f"  reader on {slug} (models fitted on the other {n - 1}, abstain under P "
            f"{fitted['answerable']['threshold']:.2f}): {len(mine)} questions",
            flush=True,
        )
    print(f"  reader: {len(test_rows)} questions in {time.time() - t0:.0f} s")
    fitted = fit(data, target)
    fitted["info"] = {
        "trained_on": f"{len(test_rows)} squad2-dev questions of the reader's held-out articles",
        "target_abstain_precision": target,
        "bold_precision": BOLD_PRECISION,
    }
    out = SHIPPED.with_suffix(".json")
    out.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    print(
        f"  wrote {out.relative_to(ROOT)}: abstain under P {fitted['answerable']['threshold']:.3f}"
        f", bold at P {fitted['short']['threshold']:.3f}",
        flush=True,
    )
    results = {name: aggregate(got, k) for name, got in scored.items()}
    n_unans = int(data["unanswerable"].sum())
    print(
        f"\nend to end on the {len(keep_out)} held-out squad2-dev articles ({len(test_rows)} "
        f"questions, {n_unans} unanswerable; the reader's models fitted on the other articles):",
        flush=True,
    )
    print(table(results), flush=True)


class MemoReader:
    """The reader, reading each (question, snippets) once (for the weight sweep)."""

    def __init__(self, reader: Reader):
        self.reader, self.seen = reader, {}

    def read(self, question: str, texts: list[str], top: int = 1):
        key = (question, tuple(texts), top)
        if key not in self.seen:
            self.seen[key] = self.reader.read(question, texts, top=top)
        return self.seen[key]


def sweep_sentence_weight(args) -> None:
    """How much the reranker's P(sentence) should count against the reader's span score:
    the answer's EM/F1 and the quoted sentence holding it, on the held-out answerable
    questions, for each weight (``evidence.SENTENCE_WEIGHT``)."""
    from qa.answering.readers import evidence
    from qa.answering.service import build_assistant

    rows, paras = load_set(SHARED / "squad2-dev")
    keep_out = held_out(paras)
    rows = [r for r in rows if r["source"] in keep_out and not r["is_impossible"]]
    if args.e2e_limit:
        rows = rows[:: max(1, len(rows) // args.e2e_limit)]
    off = build_assistant(settings_for(reader=False), sync=True)
    reader = MemoReader(Reader(SHIPPED))
    states = [off.prepare.invoke(first_state(r["question"], off.settings.k)) for r in rows]
    print(f"sentence weight sweep, {len(rows)} answerable held-out questions:")
    print("| weight | EM | F1 | quote holds it |\n|---|---|---|---|")
    for w in args.sentence_weights:
        evidence.SENTENCE_WEIGHT = w
        em, f1, holds = [], [], []
        for r, state in zip(rows, states, strict=True):
            done = read(reader, None, state["scored"], off.settings.reader_sentences)
            em.append(m.exact_match(done.span_text, r["answers"]))
            f1.append(m.f1(done.span_text, r["answers"]))
            quote = done.sentence.text if done.sentence else ""
            holds.append(m.contains_answer(quote, r["answers"]))
        print(f"| {w:g} | {np.mean(em):.3f} | {np.mean(f1):.3f} | {np.mean(holds):.3f} |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--e2e-limit", type=int, default=0, help="about this many questions, every n-th (0: all)"
    )
    ap.add_argument("--reuse", action="store_true", help="reuse the last run's features")
    ap.add_argument("--no-baseline", action="store_true", help="skip the learned answerer")
    ap.add_argument(
        "--target-precision",
        type=float,
        default=TARGET_PRECISION,
        help="how often the refusals must be right",
    )
    ap.add_argument(
        "--sentence-weights",
        type=lambda v: [float(x) for x in v.split(",")],
        help="only sweep evidence.SENTENCE_WEIGHT over these values (e.g. 0,0.5,1)",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.sentence_weights:
        sweep_sentence_weight(args)
    else:
        calibrate_and_compare(args)


if __name__ == "__main__":
    main()
