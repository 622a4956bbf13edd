"""Questions asked while a large sync runs, against the same questions on an idle index.

The app's own start-up sync (``BackgroundSync``) indexes a large corpus in a thread
while this script asks questions one after another, as a user of the page would;
before the sync and after it, the same questions are asked on the idle index. The
table gives p50/p95/max seconds per question, side by side, and how many questions
asked during the sync were answered from an article the sync had just indexed.

Corpora (the seed article is indexed first, in both):
- ``lines``: one generated file of ``--lines`` short lines (a million by default,
  about 9.9 MB, under the 10 MB upload limit);
- ``bbc``: the 2,225 BBC articles (``--limit`` fewer), from an empty index.

    python -m bench.sync_answering --corpus lines
    python -m bench.sync_answering --corpus bbc --limit 400
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

from bench.common import BBC, ROOT, pct
from qa.answering.service import build_assistant
from qa.app.web.startup import BackgroundSync
from qa.settings import Settings

SEED = ROOT / "corpus" / "russia-promises-free-weapons-to-afghanistan.txt"
SEED_QUESTIONS = [
    "Who is the speaker of Russia's upper house?",
    "What did Russia promise Afghanistan?",
    "Who did Valentina Matvienko meet?",
]
WORDS = [
    "harbour",
    "bridge",
    "council",
    "river",
    "market",
    "price",
    "bank",
    "vote",
    "team",
    "match",
    "film",
    "album",
    "court",
    "police",
    "school",
    "rail",
    "power",
    "water",
    "city",
    "road",
]


def write_lines(path: Path, n: int) -> None:
    """A text file of ``n`` short lines ("bridge 318"), a title first."""
    rng = random.Random(36)
    lines = (f"{rng.choice(WORDS)} {rng.randrange(1000)}" for _ in range(n))
    path.write_text("Many short lines\n\n" + "\n".join(lines) + "\n", encoding="utf-8")


def bbc_questions() -> list[tuple[str, str]]:
    """(question, the article id that answers it) from bench/bbc_eval.jsonl."""
    rows = [json.loads(line) for line in (ROOT / "bench" / "bbc_eval.jsonl").open()]
    return [(r["question"], r.get("source", "")) for r in rows]  # "": not answerable


def copy_bbc(dest: Path, limit: int | None) -> None:
    files = sorted(BBC.rglob("*.txt"))
    if limit:
        per_topic: dict[str, list[Path]] = {}
        for f in files:
            per_topic.setdefault(f.parent.name, []).append(f)
        share = -(-limit // len(per_topic))
        files = [f for topic in per_topic.values() for f in topic[:share]][:limit]
    for f in files:
        (dest / f.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, dest / f.parent.name / f.name)


def ask_timed(assistant, question: str) -> tuple[float, set[str]]:
    """(seconds, the articles the answer cites or shows)."""
    start = time.perf_counter()
    answer = assistant.ask(question)
    seconds = time.perf_counter() - start
    return seconds, {p.article for p in answer.passages}


def idle_round(assistant, questions: list[str], rounds: int) -> list[float]:
    return [ask_timed(assistant, q)[0] for _ in range(rounds) for q in questions]


def row(name: str, times: list[float]) -> str:
    if not times:
        return f"{name:<28} {0:>5}"
    return (
        f"{name:<28} {len(times):>5} {pct(times, 0.5):>8.2f} {pct(times, 0.95):>8.2f} "
        f"{max(times):>8.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("lines", "bbc"), default="lines")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--limit", type=int, default=None, help="BBC articles (all: 2,225)")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between questions")
    parser.add_argument("--rounds", type=int, default=3, help="idle rounds of the questions")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="sync-answering-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        shutil.copy(SEED, corpus / SEED.name)
        settings = Settings(corpus_dir=corpus, data_dir=work / "data", _env_file=None)
        assistant = build_assistant(settings, sync=True)
        questions = list(SEED_QUESTIONS)
        sources: dict[str, str] = {}
        if args.corpus == "bbc":
            for question, source in bbc_questions():
                questions.append(question)
                if source:
                    sources[question] = source
        idle_round(assistant, questions, 1)  # models loaded, caches warm: untimed
        before = idle_round(assistant, questions, args.rounds)

        if args.corpus == "lines":
            write_lines(corpus / "lines.txt", args.lines)
            size = f"{args.lines:,} lines, {(corpus / 'lines.txt').stat().st_size / 1e6:.1f} MB"
        else:
            copy_bbc(corpus, args.limit)
            size = f"{sum(1 for _ in corpus.rglob('*.txt')) - 1:,} BBC articles"
        background = BackgroundSync(assistant)
        done: dict = {}
        sync_started = time.perf_counter()

        def sync() -> None:
            done["summary"] = background.run()
            done["seconds"] = time.perf_counter() - sync_started

        thread = threading.Thread(target=sync, daemon=True)
        thread.start()
        during: list[float] = []
        fresh = 0  # answered from an article the running sync indexed
        i = 0
        while thread.is_alive():
            question = questions[i % len(questions)]
            i += 1
            seconds, shown = ask_timed(assistant, question)  # asked while the sync runs
            during.append(seconds)
            fresh += sources.get(question) in shown
            time.sleep(args.gap)
        thread.join()
        after = idle_round(assistant, questions, args.rounds)
        summary = done["summary"]
        print(f"corpus: {size}; sync {done['seconds']:.0f} s, {summary.chunks_embedded:,} chunks")
        print(f"{'questions':<28} {'n':>5} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
        print(row("idle, before the sync", before))
        print(row("during the sync", during))
        print(row("idle, after the sync", after))
        if sources:
            print(f"asked during the sync and answered from a just-indexed article: {fresh}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
