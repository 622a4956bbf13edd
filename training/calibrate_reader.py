"""Fit the reader's P(answerable) and bold threshold on news, check them on squad2-dev, and
print a reader's end-to-end figures side by side with today's. Called by
``python -m training.reader`` after training; alone:

    python -m training.calibrate_reader                   # the shipped reader, refitted
    python -m training.calibrate_reader --model X.onnx    # a candidate (X.json written beside)

Sets (questions the reader never trained on, answered by the whole pipeline: retrieval,
sentence ranker, reader):
- ``news``: news-qa ``dev`` (``../shared/news-qa/dev.jsonl``, 360 questions in a reader's own
  words over 80 BBC articles none of ``train`` has) asked over all 2,225 BBC articles;
- ``squad2``: squad2-dev's held-out articles (``training/squad.held_out``), answerable and not;
- checks, never fitted on: ``seed`` (``corpus/eval.jsonl``), ``bbc`` and ``bbc-more``
  (``bench/bbc_eval*.jsonl`` over the BBC articles).

The models are fitted on the sets of ``--fit-on`` together (default news and squad2: news
alone set a threshold that answered half of the seed's look-alikes) and written beside the
model. The figures printed for those sets are cross-fitted: each article's questions are
decided by the models fitted on the other folds' articles (``--folds``; fold f holds each
set's f-th share of its articles), so no question is decided by a fit that saw its
article; the other sets are decided by the models fitted on all of them.
``--today-code`` puts the figures of another checkout (the code and reader before) beside.

Each set is read twice: once for the features (``Read.features``), once answered in full
with abstention off (``qa eval``'s scoring); a refusal is then applied to the answered rows
where P(answerable) falls under the threshold (a refusal scores as qa eval scores one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from qa.answering.readers.evidence import ANSWERABLE_FEATURES, SHORT_FEATURES
from qa.evaluation.run import QAPair, aggregate, by_kind, run_eval
from training.calibration import (
    BOLD_PRECISION,
    TARGET_PRECISION,
    cross_fitted,
    fit,
    folds_by_article,
    proba,
)
from training.paths import BBC, NEWS_QA, READER_ONNX, ROOT, SHARED
from training.squad import held_out, load_set

COLUMNS = [
    ("answer_contains", "contains"),
    ("citation_accuracy", "cit"),
    ("exact_match", "EM"),
    ("f1", "F1"),
    ("abstain_precision", "refusals P"),
    ("abstain_recall", "refusals R"),
    ("retrieval_hit_at_1", "hit@1"),
]
SETS = ("news", "squad2", "seed", "bbc", "bbc-more")
K = 5  # passages retrieved (QA_K's default): hit@k


# Sets checked only (never fitted on): the seed article's questions and the BBC sets.
CHECKS = {
    "seed": (ROOT / "corpus" / "eval.jsonl", ROOT / "corpus"),
    "bbc": (ROOT / "bench" / "bbc_eval.jsonl", BBC),
    "bbc-more": (ROOT / "bench" / "bbc_eval_more.jsonl", BBC),
}


FIT_ON = "news,squad2"  # news alone refused half of the seed's look-alikes (docs/models/reader.md)


def fit_sets(text: str) -> list[str]:
    names = [n for n in text.split(",") if n]
    if not names or set(names) - set(SETS[:2]):
        raise SystemExit(f"--fit-on: a comma-separated choice of {', '.join(SETS[:2])}")
    return names


def load_rows(name: str, limit: int = 0) -> list[QAPair]:
    """The questions of set ``name`` (every n-th up to about ``limit``; 0: all)."""
    if name in CHECKS:
        from qa.evaluation.run import load_pairs

        return load_pairs(CHECKS[name][0]).pairs
    if name == "news":
        rows = [json.loads(line) for line in (NEWS_QA / "dev.jsonl").open(encoding="utf-8")]
        pairs = [
            QAPair(
                i,
                r["question"],
                [] if r.get("unanswerable") else r["answers"],
                r["source"],
                kind=r["kind"],
                history=r.get("history", []),
            )
            for i, r in enumerate(rows, 1)
        ]
    else:
        rows, paras = load_set(SHARED / "squad2-dev")
        keep_out = held_out(paras)
        rows = [r for r in rows if r["source"] in keep_out]
        pairs = [
            QAPair(
                i,
                r["question"],
                [] if r["is_impossible"] else r["answers"],
                r["source"],
                kind="unanswerable" if r["is_impossible"] else "answerable",
            )
            for i, r in enumerate(rows, 1)
        ]
    return pairs[:: max(1, len(pairs) // limit)] if limit else pairs


def settings_for(name: str, model: Path):
    from qa.settings import Settings

    corpus = BBC if name == "news" else SHARED / "squad2-dev" / "corpus"
    corpus = CHECKS[name][1] if name in CHECKS else corpus
    index = "news" if corpus == BBC else name  # one index of the BBC articles
    return Settings(
        corpus_dir=corpus,
        data_dir=ROOT / ".qa" / f"index-{index}",
        reader_model=str(model),
        llm="",
        suggestions=0,
    )


def neutral(features: list[str], threshold: float) -> dict:
    """A linear model of ``features`` that weighs none of them (P 0.5 for every question)."""
    n = len(features)
    return {
        "kind": "linear",
        "features": features,
        "mean": [0.0] * n,
        "scale": [1.0] * n,
        "coef": [0.0] * n,
        "intercept": 0.0,
        "threshold": threshold,
    }


def never_refusing(model: Path, work: Path) -> Path:
    """``model`` beside a calibration that never abstains and never shows a bold answer
    (the answers with abstention off; the features are the reader's own)."""
    work.mkdir(parents=True, exist_ok=True)
    link = work / "reader.onnx"
    if link.exists() or link.is_symlink():
        link.unlink()
    link.symlink_to(model.resolve())
    data = {
        "answerable": neutral(ANSWERABLE_FEATURES, 0.0),
        "short": neutral(SHORT_FEATURES, 1.0),
    }
    link.with_suffix(".json").write_text(json.dumps(data), encoding="utf-8")
    return link


def collect(assistant, pairs: list[QAPair]) -> dict[str, np.ndarray]:
    """The reader's features of every question, read as the product reads it (a follow-up
    after its conversation)."""
    from qa.evaluation import metrics as m

    xa, xs, unans, exact = [], [], [], []
    k = assistant.settings.k
    for pair in pairs:
        history: list[dict] = []
        for earlier in pair.history:
            answer = assistant.ask(earlier, history=history, k=k)
            history += [
                {"role": "user", "content": earlier},
                {"role": "assistant", "content": answer.answer},
            ]
        state = assistant.prepare.invoke(first_state(pair.question, history, assistant.settings))
        done = state["read"]
        a, s = done.features()
        xa.append(a)
        xs.append(s)
        unans.append(pair.unanswerable)
        exact.append(not pair.unanswerable and m.exact_match(done.span_text, pair.answers) > 0)
    return {
        "answerable": np.array(xa),
        "short": np.array(xs),
        "unanswerable": np.array(unans),
        "exact": np.array(exact),
    }


def first_state(question: str, history: list[dict], settings) -> dict:
    return {
        "question": question,
        "history": history,
        "k": settings.k,
        "neighbours": settings.read_neighbours,
        "filters": None,
        "timings": {},
        "recent_days": 0,
        "notes": [],
        "duplicates": {},
    }


def refuse(rows: list[dict], refused: np.ndarray) -> list[dict]:
    """The answered rows with those where ``refused`` turned into refusals, scored as
    ``qa eval`` scores a refusal."""
    out = []
    for row, no in zip(rows, refused, strict=True):
        row = dict(row)
        if no:
            row.update(abstained=True, contains=False, citation_ok=False, exact_match=0.0, f1=0.0)
        out.append(row)
    return out


def table(results: dict[str, dict]) -> str:
    head = "| reader | " + " | ".join(c[1] for c in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 1)]
    for name, agg in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{agg[c]:.3f}" for c, _ in COLUMNS) + " |")
    return "\n".join(lines)


def kind_table(kinds: dict[str, dict[str, dict]]) -> str:
    """Per kind of question, one column pair per reader: F1 and the share refused."""
    names = list(kinds)
    head = "| kind | n | " + " | ".join(f"{n}: contains / F1 / refused" for n in names) + " |"
    lines = [head, "|---|---|" + "---|" * len(names)]
    for kind in next(iter(kinds.values())):
        cells = []
        for n in names:
            f = kinds[n][kind]
            contains = f"{f['answer_contains']:.2f}" if "answer_contains" in f else "-"
            f1 = f"{f['f1']:.2f}" if "f1" in f else "-"
            cells.append(f"{contains} / {f1} / {f['refused']:.2f}")
        lines.append(f"| {kind} | {kinds[names[0]][kind]['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def measure(name: str, model: Path, pairs: list[QAPair], work: Path):
    """(features, the rows answered with abstention off) of ``model`` on set ``name``."""
    from qa.answering.service import build_assistant

    t0 = time.time()
    assistant = build_assistant(settings_for(name, never_refusing(model, work)), sync=True)
    data = collect(assistant, pairs)
    rows = run_eval(assistant, pairs, assistant.settings.k, progress=False)["rows"]
    np.savez(work / "features.npz", **data)  # for a look at them afterwards
    (work / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
    print(f"  {name}: {len(pairs)} questions read twice in {time.time() - t0:.0f} s", flush=True)
    return data, rows


def write_rows(pairs: list[QAPair], path: Path) -> Path:
    """The questions as a ``qa eval`` file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for p in pairs:
            row = {"question": p.question, "answers": p.answers, "source": p.source}
            row.update(kind=p.kind, history=p.history, unanswerable=not p.answers)
            out.write(json.dumps(row) + "\n")
    return path


def today(name: str, pairs: list[QAPair], code: str) -> list[dict]:
    """The rows ``qa eval`` gives with the code of checkout ``code`` (the reader shipped
    there, with its calibration): a process of its own, on the same index."""
    file = write_rows(pairs, ROOT / ".qa" / "calibration" / f"{name}.jsonl")
    settings = settings_for(name, READER_ONNX)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(PYTHONPATH=str(Path(code).resolve()), QA_DATA_DIR=str(settings.data_dir))
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    command = [sys.executable, "-m", "qa", "eval", str(file), "--corpus", str(settings.corpus_dir)]
    done = subprocess.run(
        [*command, "--json"], capture_output=True, text=True, env=env, cwd=code, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["rows"]


def calibrate_and_compare(args) -> None:
    """Fit on ``--fit-on``, figures for both sets side by side with today's reader, and
    the fitted models written beside the model (``--model``, default the shipped one)."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    model = Path(getattr(args, "model", "") or READER_ONNX)
    target = getattr(args, "target_precision", TARGET_PRECISION)
    fit_on = fit_sets(getattr(args, "fit_on", FIT_ON))
    limit = getattr(args, "e2e_limit", 0)
    work = ROOT / ".qa" / "calibration"
    measured = {}
    sets = [s for s in getattr(args, "sets", ",".join(SETS)).split(",") if s]
    for name in (*fit_on, *(s for s in sets if s not in fit_on)):
        pairs = load_rows(name, limit if name == "squad2" else 0)
        measured[name] = (pairs, *measure(name, model, pairs, work / name))
    # The fit sets together; fold f holds each set's f-th share of its articles.
    data = {k: np.concatenate([measured[n][1][k] for n in fit_on]) for k in measured[fit_on[0]][1]}
    folds = getattr(args, "folds", 5)
    fold = np.concatenate(
        [folds_by_article([p.source for p in measured[n][0]], folds) for n in fit_on]
    )
    _, refused_all, thresholds = cross_fitted(data, fold, target)
    cuts = np.cumsum([len(measured[n][0]) for n in fit_on])[:-1]
    refused_oof = dict(zip(fit_on, np.split(refused_all, cuts), strict=True))
    fitted = fit(data, target)
    asked = " and ".join(f"{len(measured[n][0])} {n}" for n in fit_on)
    fitted["info"] = {
        "trained_on": f"{asked} questions the reader did not train on",
        "target_abstain_precision": target,
        "bold_precision": BOLD_PRECISION,
    }
    model.with_suffix(".json").write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {model.with_suffix('.json')}: abstain under P "
        f"{fitted['answerable']['threshold']:.3f} (folds: "
        f"{', '.join(f'{t:.2f}' for t in thresholds)}), bold at P "
        f"{fitted['short']['threshold']:.3f}",
        flush=True,
    )
    for name, (pairs, data, rows) in measured.items():
        if name in fit_on:
            refused = refused_oof[name]
        else:
            refused = (
                proba(fitted["answerable"], data["answerable"])
                < (fitted["answerable"]["threshold"])
            )
        mine = refuse(rows, refused)
        results = {"this reader": aggregate(mine, K)}
        before = today(name, pairs, args.today_code) if getattr(args, "today_code", "") else []
        if before:
            results = {"today": aggregate(before, K), **results}
        how = "cross-fitted by article" if name in fit_on else f"fitted on {'+'.join(fit_on)}"
        print(f"\n{name} ({len(pairs)} questions; this reader's refusals {how}):")
        print(table(results), flush=True)
        if name == "news":
            kinds = {"this reader": by_kind(mine, K)}
            if before:
                kinds = {"today": by_kind(before, K), **kinds}
            print(kind_table(kinds), flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="", help="the reader's ONNX file (default: the shipped)")
    ap.add_argument(
        "--fit-on",
        default=FIT_ON,
        help="the sets fitted on together, comma-separated (news, squad2)",
    )
    ap.add_argument("--sets", default=",".join(SETS), help="the sets measured, comma-separated")
    ap.add_argument(
        "--today-code",
        default="",
        help="a checkout of the code before (git worktree add DIR COMMIT): its figures "
        "side by side, asked by its own qa eval",
    )
    ap.add_argument("--folds", type=int, default=5, help="article folds for the figures")
    ap.add_argument(
        "--e2e-limit", type=int, default=0, help="squad2: about this many questions (0: all)"
    )
    ap.add_argument(
        "--target-precision",
        type=float,
        default=TARGET_PRECISION,
        help="how often the refusals must be right",
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    calibrate_and_compare(args)


if __name__ == "__main__":
    main()
