"""How the learned abstention threshold behaves on news questions.

The threshold on P(answerable) is trained on squad2-dev (training/answerer.py); this
answers every question of corpus/eval.jsonl (seed article) and bench/bbc_eval*.jsonl
(BBC corpus) once with abstention off, keeps each answer's P(answerable), then shows,
for each threshold, how many answerable questions keep a correct answer and how many
unanswerable ones are refused. It is a check on news, not a place to tune.

Usage: python -m bench.calibrate [--bbc-data-dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import BBC, ROOT
from qa.answering.service import build_assistant
from qa.evaluation import metrics as m
from qa.evaluation.run import load_pairs
from qa.settings import Settings


def collect(settings: Settings, qa_file: Path) -> list[tuple[float, bool, bool]]:
    """(evidence score, answer contains gold, unanswerable) per question."""
    assistant = build_assistant(settings, sync=True)
    out = []
    for p in load_pairs(qa_file).pairs:
        a = assistant.ask(p.question)
        out.append((a.confidence, m.contains_answer(a.answer, p.answers), p.unanswerable))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc-data-dir", default="", help="reuse a BBC index")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-cal-"))
    off = {"abstain_threshold": -10.0}
    sets = {
        "seed": collect(
            Settings(corpus_dir=ROOT / "corpus", data_dir=work / "seed", **off),
            ROOT / "corpus" / "eval.jsonl",
        ),
        "bbc": collect(
            Settings(corpus_dir=BBC, data_dir=Path(args.bbc_data_dir or work / "bbc"), **off),
            ROOT / "bench" / "bbc_eval.jsonl",
        ),
        "bbc2": collect(
            Settings(corpus_dir=BBC, data_dir=Path(args.bbc_data_dir or work / "bbc"), **off),
            ROOT / "bench" / "bbc_eval_more.jsonl",
        ),
    }
    print(
        f"{'threshold':>9} | {'set':<5}{'correct kept':>13}{'refused (unans.)':>18}"
        f"{'wrongly refused':>17}"
    )
    for t in [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]:
        for name, rows in sets.items():
            ans = [r for r in rows if not r[2]]
            una = [r for r in rows if r[2]]
            kept = sum(1 for s, ok, _ in ans if ok and s >= t) / len(ans)
            refused = sum(1 for s, _, _ in una if s < t) / len(una)
            wrong = sum(1 for s, _, _ in ans if s < t) / len(ans)
            print(f"{t:>9.3f} | {name:<5}{kept:>13.3f}{refused:>18.3f}{wrong:>17.3f}")


if __name__ == "__main__":
    main()
