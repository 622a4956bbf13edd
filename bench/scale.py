"""How the assistant scales with the number of articles, one corpus per size.

Each corpus (in a temp dir) holds BBC articles read from ../shared/bbc-news, then
synthetic variants made from them: sentences of two articles of the same topic
recombined, with fresh numbers, person names, months, weekdays and years, so no two
are duplicates. Some synthetic articles carry one planted fact (an invented
organisation appointing an invented person); asking for it measures hit@1 (the top
passage comes from the planted article) at every size.

Per size it prints: ingest MB/min (`qa ingest` in its own process, the sync's own
time), chunks, data-dir size, the time from starting `python -m qa ask` to its answer
and that process's peak RSS, question latency p50/p95 (retrieval: the ask's own embed
and retrieve stages; full answer: its wall time) and hit@1 / answer-contains on the
planted questions.

Usage: python -m bench.scale [--sizes 2000,20000,100000] [--max-articles N] [--planted 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BBC, ROOT, median, pct

TOPICS = ("business", "entertainment", "politics", "sport", "tech")
MONTHS = [
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")
WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
NAME = re.compile(r"\b([A-Z][a-z]{2,}) ([A-Z][a-z]{2,})\b")
SPEAKER = re.compile(r"\b([A-Z][a-z]{2,}) ([A-Z][a-z]{2,})(?= said|, who| told)")
NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
SYLLABLES = [
    *("bra", "cor", "dan", "el", "fen", "gal", "hol", "ist", "jor", "kel", "lum", "mar"),
    *("nov", "or", "pel", "quin", "ros", "sal", "tor", "ul", "ven", "wes", "yar", "zan"),
]
ROLES = ("archivist", "engineer", "economist", "curator", "navigator", "statistician")
KINDS = ("Heritage Trust", "Rowing Society", "Credit Union", "Film Guild", "Chess Federation")


def read_bbc() -> dict[str, list[tuple[str, list[str]]]]:
    """Per topic: (title, paragraphs) of every BBC article (one file is not UTF-8)."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for topic in TOPICS:
        for path in sorted((BBC / topic).glob("*.txt")):
            lines = path.read_bytes().decode("utf-8", errors="replace").strip().split("\n")
            paras = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
            out.setdefault(topic, []).append((lines[0].strip(), paras))
    return out


def person_pools(bbc) -> tuple[list[str], list[str]]:
    firsts, lasts = set(), set()
    for articles in bbc.values():
        for _title, paras in articles:
            for first, last in SPEAKER.findall(" ".join(paras)):
                firsts.add(first)
                lasts.add(last)
    return sorted(firsts), sorted(lasts)


def invented(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def freshen(text: str, rng: random.Random, firsts, lasts) -> str:
    """Fresh numbers, names, months, weekdays and years in ``text``."""

    def number(m):
        s = m.group(0)
        if re.fullmatch(r"(19|20)\d\d", s):
            return str(rng.randint(1995, 2024))
        if "." in s:
            return f"{rng.uniform(0.1, 99):.{len(s.split('.')[1])}f}"
        return str(rng.randint(10 ** (len(s) - 1) if len(s) > 1 else 1, 10 ** len(s) - 1))

    text = NUMBER.sub(number, text)
    text = NAME.sub(lambda m: f"{rng.choice(firsts)} {rng.choice(lasts)}", text)
    text = MONTH.sub(lambda m: rng.choice(MONTHS), text)
    return WEEKDAY.sub(lambda m: rng.choice(WEEKDAYS), text)


def planted_fact(rng: random.Random, i: int) -> tuple[str, str, str]:
    """(sentence, question, answer): unique invented names, so one article answers it."""
    org = f"{invented(rng, 2)} {invented(rng, 3)} {rng.choice(KINDS)}"
    person = f"{invented(rng, 2)} {invented(rng, 3)}"
    role = rng.choice(ROLES)
    day = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1998, 2012)}"
    sentence = f"The {org} appointed {person} as its chief {role} on {day}."
    return sentence, f"Who did the {org} appoint as its chief {role}?", person


def synthetic(bbc, topic: str, rng: random.Random, firsts, lasts) -> tuple[str, list[str]]:
    (title, a), (_, b) = rng.sample(bbc[topic], 2)
    sentences_b = [s for p in b for s in SENTENCE.split(p)]
    paras = []
    for para in a:
        mixed = SENTENCE.split(para)
        if sentences_b and rng.random() < 0.6:
            mixed.insert(
                rng.randint(0, len(mixed)), sentences_b.pop(rng.randrange(len(sentences_b)))
            )
        paras.append(freshen(" ".join(mixed), rng, firsts, lasts))
    return freshen(title, rng, firsts, lasts), paras


def build_corpus(folder: Path, n: int, n_planted: int, bbc, seed: int = 13) -> list[dict]:
    """Write n articles into folder; returns the planted questions."""
    rng = random.Random(seed)
    firsts, lasts = person_pools(bbc)
    real = [(t, i) for t in TOPICS for i in range(len(bbc[t]))]
    n_synthetic = max(n - len(real), min(n_planted, n))
    n_real = n - n_synthetic
    step = len(real) / max(1, n_real)
    for k in range(n_real):  # spread over the topics
        topic, i = real[int(k * step)]
        title, paras = bbc[topic][i]
        _write(folder / topic / f"{i + 1:03d}.txt", title, paras)
    planted = []
    plant_every = max(1, n_synthetic // max(1, n_planted))
    for k in range(n_synthetic):
        topic = TOPICS[k % len(TOPICS)]
        title, paras = synthetic(bbc, topic, rng, firsts, lasts)
        article = f"synthetic/{topic}-{k:06d}"
        if k % plant_every == 0 and len(planted) < n_planted:
            sentence, question, answer = planted_fact(rng, k)
            at = rng.randint(1, max(1, len(paras) - 1))
            paras[at] = paras[at] + " " + sentence
            planted.append({"question": question, "answer": answer, "article": article})
        _write(folder / f"{article}.txt", title, paras)
    return planted


def _write(path: Path, title: str, paras: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")


def _env(data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_DATA_DIR=str(data), PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    return env


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def first_answer(corpus: Path, data: Path, question: str) -> tuple[float, float, dict]:
    """Seconds from starting `python -m qa ask` to its answer, its peak RSS (MB), the answer."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "ask", "--corpus", str(corpus), "--json", question],
        env=_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = proc.stdout.read()
    seconds = time.perf_counter() - started
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"qa ask failed: {err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, json.loads(out)


def measure(size: int, work: Path, bbc, n_planted: int, asks: int) -> dict:
    corpus, data = work / f"corpus-{size}", work / f"data-{size}"
    planted = build_corpus(corpus, size, n_planted, bbc)
    mb = sum(f.stat().st_size for f in corpus.rglob("*.txt")) / 1e6
    done = subprocess.run(
        [sys.executable, "-m", "qa", "ingest", "--corpus", str(corpus), "--json"],
        env=_env(data),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"qa ingest failed: {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    first_s, rss_mb, _ = first_answer(corpus, data, planted[0]["question"])

    from qa.answering.service import build_assistant
    from qa.settings import Settings

    assistant = build_assistant(Settings(corpus_dir=corpus, data_dir=data))
    questions = [p["question"] for p in planted]
    assistant.ask(questions[0])  # warm up
    retrieval_ms, answer_ms, hits, contains = [], [], 0, 0
    for i in range(max(asks, len(planted))):
        q = questions[i % len(questions)]
        t = time.perf_counter()
        answer = assistant.ask(q)
        answer_ms.append((time.perf_counter() - t) * 1000)
        # Retrieval as the product runs it: embedding the question, dense + BM25 + RRF.
        retrieval_ms.append(answer.timings["embed"] + answer.timings["retrieve"])
        if i < len(planted):
            hits += bool(answer.passages) and answer.passages[0].article == planted[i]["article"]
            contains += planted[i]["answer"] in answer.answer
    return {
        "articles": summary["articles_total"],
        "mb": mb,
        "ingest_s": summary["seconds"],
        "mb_per_min": mb / (summary["seconds"] / 60),
        "sparse_s": summary.get("sparse_seconds", 0.0),
        "chunks": summary["chunks_total"],
        "data_mb": folder_mb(data),
        "first_answer_s": first_s,
        "rss_mb": rss_mb,
        "retrieval_p50": median(retrieval_ms),
        "retrieval_p95": pct(retrieval_ms, 0.95),
        "answer_p50": median(answer_ms),
        "answer_p95": pct(answer_ms, 0.95),
        "hit_at_1": hits / len(planted),
        "answer_contains": contains / len(planted),
        "planted": len(planted),
    }


COLUMNS = [
    ("articles", "articles", "{:d}"),
    ("MB", "mb", "{:.1f}"),
    ("ingest s", "ingest_s", "{:.0f}"),
    ("MB/min", "mb_per_min", "{:.2f}"),
    ("bm25 s", "sparse_s", "{:.1f}"),
    ("chunks", "chunks", "{:d}"),
    ("data MB", "data_mb", "{:.0f}"),
    ("1st answer s", "first_answer_s", "{:.1f}"),
    ("RSS MB", "rss_mb", "{:.0f}"),
    ("retr p50/p95 ms", ("retrieval_p50", "retrieval_p95"), "{:.0f}/{:.0f}"),
    ("answer p50/p95 ms", ("answer_p50", "answer_p95"), "{:.0f}/{:.0f}"),
    ("hit@1", "hit_at_1", "{:.2f}"),
    ("contains", "answer_contains", "{:.2f}"),
]


def row(result: dict) -> list[str]:
    cells = []
    for _, key, fmt in COLUMNS:
        values = [result[k] for k in key] if isinstance(key, tuple) else [result[key]]
        cells.append(fmt.format(*values))
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,100000", help="corpus sizes, in articles")
    parser.add_argument("--max-articles", type=int, default=0, help="cap every size at this")
    parser.add_argument("--planted", type=int, default=20, help="planted facts per corpus")
    parser.add_argument("--asks", type=int, default=50, help="questions timed per size")
    parser.add_argument("--work", default="", help="where corpora and indexes go (temp dir)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.max_articles:
        sizes = [min(s, args.max_articles) for s in sizes]
    sizes = sorted(set(sizes))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="qa-scale-"))
    bbc = read_bbc()
    results = []
    for size in sizes:
        print(f"size {size}: building, ingesting, asking ...", file=sys.stderr, flush=True)
        results.append(measure(size, work, bbc, args.planted, args.asks))
        # each size as soon as it is measured: a long run stopped later keeps it
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    header = [name for name, _, _ in COLUMNS]
    table = [header] + [row(r) for r in results]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    print(f"work dir: {work}")
    for line in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
