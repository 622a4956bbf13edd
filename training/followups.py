"""Train the follow-up rewrite's chooser (``qa/answering/models/followup.json``).

    python -m training.followups [--sets news-train,followups]

Each labelled conversation (``training/followup_data.py``) is asked turn by turn through the
real assistant (news-qa's over the BBC articles, the bench's over the seed article or BBC),
with the rules alone choosing the earlier rewrites, so that training does not lean on an
earlier model. At a labelled follow-up every reading the chooser weighs
(``followup.followup_options``) is judged right or wrong against the label. A conditional
logit (a softmax over one follow-up's readings, the probability of its right ones
maximised, fitted from zero by L-BFGS) gives the weights ``FollowupModel`` scores options
with. Deterministic. The
figures, before and after, come from ``python -m bench.followups`` on sets it did not train
on (news-qa dev, ``bench/followups_heldout.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from training.followup_data import load_conversations, right
from training.paths import BBC, ROOT

SETS = "news-train,followups"
L2 = 1.0  # the penalty on the weights (1.0 of 0.1, 1, 3, 10: best on held-out follow-ups)


def assistants(work: Path) -> dict:
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    seed = work / "seed"
    seed.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "corpus" / "russia-promises-free-weapons-to-afghanistan.txt", seed)
    return {
        "seed": build_assistant(Settings(corpus_dir=seed, data_dir=work / "seed-data"), sync=True),
        "bbc": build_assistant(
            Settings(corpus_dir=BBC, data_dir=ROOT / ".qa" / "index-news"), sync=True
        ),
    }


def examples(engines: dict, names: list[str]) -> list[tuple[list, list[bool], bool]]:
    """(options, each right or not, the rules' rewrite right or not) of every labelled
    follow-up with a right and a wrong reading."""
    from qa.answering.question.followup import followup_options, standalone_question
    from qa.answering.retrieval.articles import articles_holding

    out = []
    for name in names:
        for row in load_conversations(name):
            engine = engines[row["corpus"]]
            history: list[dict] = []
            for turn in row["turns"]:
                q = turn["question"]
                if "referent" in turn:

                    def articles(t, e=engine):
                        return articles_holding(e.retriever.index, t)

                    found = followup_options(q, history, articles)
                    judged = [right(o.rewrite, q, turn["referent"], turn["not"]) for o in found]
                    rules = standalone_question(q, history, articles, model=False)
                    if any(judged) and not all(judged):
                        rule_ok = right(rules, q, turn["referent"], turn["not"])
                        out.append((found, judged, rule_ok))
                answer = engine.ask(q, history=history)
                history += [
                    {"role": "user", "content": q},
                    {"role": "assistant", "content": answer.answer},
                ]
    return out


def fit(found: list[tuple[list, list[bool], bool]], l2: float = L2) -> np.ndarray:
    """The conditional logit's weights: each follow-up's options scored ``w . x``, softmax
    over its options, the log of the probability of its right ones maximised over all
    follow-ups (L-BFGS, an L2 penalty ``l2``; from zero, so deterministic)."""
    from scipy.optimize import minimize

    groups = [
        (np.array([o.vector() for o in options]), np.array(judged, dtype=float))
        for options, judged, _ in found
    ]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for x, right_ in groups:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            p_right = float(p @ right_)
            total -= np.log(p_right)
            grad = grad - x.T @ (p * right_ / p_right - p)
        return total, grad

    start = np.zeros(groups[0][0].shape[1])
    return minimize(loss, start, jac=True, method="L-BFGS-B").x


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=SETS, help=f"comma-separated (default {SETS})")
    ap.add_argument("--out", default="", help="default: qa/answering/models/followup.json")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from qa.answering.question import followup_model

    out = Path(args.out) if args.out else followup_model.MODEL_PATH
    with tempfile.TemporaryDirectory() as tmp:
        followup_model.MODEL_PATH = Path(tmp) / "none.json"  # the rules alone, meanwhile
        followup_model.load_followup_model.cache_clear()
        found = examples(assistants(Path(tmp)), args.sets.split(","))
    weights = fit(found)
    chosen = [
        int(np.argmax([float(np.dot(weights, o.vector())) for o in options]))
        for options, _, _ in found
    ]
    right_share = np.mean([judged[i] for (_, judged, _), i in zip(found, chosen, strict=True)])
    rules = np.mean([rule_ok for _, _, rule_ok in found])
    print(
        f"{len(found)} follow-ups with a right and a wrong reading; on them (trained on) "
        f"the chooser is right {right_share:.1%}, the rules {rules:.1%}"
    )
    for name, w in zip(followup_model.FEATURES, weights, strict=True):
        print(f"  {name:15s} {w:+.3f}")
    data = {
        "features": followup_model.FEATURES,
        "weights": [round(float(w), 6) for w in weights],
        "info": {"trained_on": args.sets, "follow_ups": len(found)},
    }
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
