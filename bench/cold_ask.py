"""Cold `qa ask` on the seed, before and after, side by side (median of several runs).

"Cold" is a new process per question, as a user runs `qa ask` in a terminal: interpreter
start, imports, models, the index opened, the answer printed. The operating system's file
cache is warm (one untimed run first), as it is from the second question on. "before" is
a checkout of ``--before-rev`` (a temporary git worktree, removed afterwards) or the folder
``--before``; "after" is this tree. Each indexes the seed article into its own data dir
with its own code, then the runs alternate (before, after, before, ...) so that a load
on the machine weighs on both alike. Both must give the same answer. Beside the wall
time, the process's CPU time (user + system, all threads), which a load inflates less.

    python -m bench.cold_ask                 # 5 runs each, before = b06280f
    python -m bench.cold_ask --runs 9 --before /path/to/old/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import child_env

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "russia-promises-free-weapons-to-afghanistan.txt"
QUESTION = "Who is the speaker of Russia's upper house?"
BASE_REV = "b06280f"  # before the ONNX query encoder


def qa(root: Path, data: Path, work: Path, *args: str) -> subprocess.CompletedProcess:
    env = child_env(root, data)
    done = subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, cwd=work
    )
    if done.returncode != 0:
        raise SystemExit(f"qa {' '.join(args)} failed under {root}:\n{done.stderr[-2000:]}")
    return done


def cold_ask(root: Path, data: Path, work: Path, corpus: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process: user + system, all its threads)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    qa(root, data, work, "ask", "--corpus", str(corpus), QUESTION)
    wall = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)


def answer_of(root: Path, data: Path, work: Path, corpus: Path) -> tuple:
    got = json.loads(
        qa(root, data, work, "ask", "--json", "--corpus", str(corpus), QUESTION).stdout
    )
    first = got["citations"][0] if got["citations"] else {}
    return got["short_answer"], got["abstained"], first.get("quote"), round(got["confidence"], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before-rev", default=BASE_REV, help="git revision of 'before'")
    parser.add_argument("--before", help="a checkout to use as 'before' (no worktree made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cold-ask-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        shutil.copy(SEED, corpus / SEED.name)
        before = Path(args.before) if args.before else work / "before"
        if not args.before:
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(ROOT),
                    "worktree",
                    "add",
                    "--detach",
                    str(before),
                    args.before_rev,
                ],
                check=True,
                capture_output=True,
            )
        try:
            run(args, work, corpus, {"before": before, "after": ROOT})
        finally:
            if not args.before:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                    check=False,
                )


def run(args, work: Path, corpus: Path, roots: dict[str, Path]) -> None:
    cores = os.cpu_count()
    print(f"{cores} cores; load average at start {os.getloadavg()[0]:.2f}", flush=True)
    data = {name: work / f"data-{name}" for name in roots}
    answers = {}
    for name, root in roots.items():
        qa(root, data[name], work, "ingest", "--corpus", str(corpus), "--json")
        answers[name] = answer_of(root, data[name], work, corpus)  # also warms the file cache
    times: dict[str, list[float]] = {name: [] for name in roots}
    cpu: dict[str, list[float]] = {name: [] for name in roots}
    for _ in range(args.runs):
        for name, root in roots.items():
            wall, used = cold_ask(root, data[name], work, corpus)
            times[name].append(wall)
            cpu[name].append(used)
    print(f"cold `qa ask` on the seed, {args.runs} runs each (seconds; cpu: user + system)")
    print(f"{'':8s} {'median':>7s} {'min':>7s} {'max':>7s} {'cpu':>7s}   runs")
    for name in roots:
        t = times[name]
        runs = " ".join(f"{x:.2f}" for x in t)
        print(
            f"{name:8s} {statistics.median(t):7.2f} {min(t):7.2f} {max(t):7.2f} "
            f"{statistics.median(cpu[name]):7.2f}   {runs}"
        )
    ratio = statistics.median(times["before"]) / statistics.median(times["after"])
    print(f"after is {ratio:.1f}x faster; load average at end {os.getloadavg()[0]:.2f}")
    same = answers["before"] == answers["after"]
    print(f"same answer: {same} (short answer {answers['after'][0]!r})")
    if not same:
        print(f"  before: {answers['before']}\n  after:  {answers['after']}")


if __name__ == "__main__":
    main()
