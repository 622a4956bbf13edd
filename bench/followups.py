"""Follow-up rewriting on labelled conversations: the share of follow-ups whose standalone
question names what they refer to (and none of the wrong things), asked the way ``/v1``
hands the conversation over (message text) and the way the chat does (its Markdown); and,
on news-qa's follow-ups, how often the follow-up is answered as well as its standalone
rewrite asked alone (the answer holds the gold answer in both, or in neither).

    python -m bench.followups --bbc-data-dir DIR                    # this checkout's rewrite
    python -m bench.followups --code OLD_CHECKOUT --bbc-data-dir DIR  # another's (before)

Sets (``--sets``, comma-separated; ``training/followup_data.py`` reads them):
``followups`` (bench/followups.jsonl), ``heldout`` (bench/followups_heldout.jsonl) and
``news-dev`` (news-qa dev's follow-ups). ``QA_FOLLOWUP_PASSAGES=0`` measures follow-ups
searched without the articles the last answer quoted. Each conversation is asked turn by
X
engine's own. ``--code`` runs again with another checkout's ``qa`` package first on the
path, so the same sets measure the old rewrite. Without ``--bbc-data-dir`` the BBC set is
indexed into a temporary folder first (minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETS = "followups,heldout,news-dev"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=SETS, help=f"comma-separated (default {SETS})")
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose qa to measure")
    parser.add_argument("--bbc-data-dir", help="an index of ../shared/bbc-news to reuse")
    parser.add_argument(
        "--json", action="store_true", help="print every follow-up's rewrite and history"
    )
    args = parser.parse_args()
    code = Path(args.code).resolve()
    if code != ROOT and os.environ.get("BENCH_QA_CODE") != str(code):
        # another checkout's qa first on the path (its folder is the process's first path
        # entry; this bench, a regular package, still wins over its bench folder)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_QA_CODE": str(code)}
        paths = {args.code, args.bbc_data_dir} - {None}
        argv = [str(Path(a).resolve()) if a in paths else a for a in sys.argv[1:]]
        run = "import runpy; runpy.run_module('bench.followups', run_name='__main__')"
        return subprocess.call([sys.executable, "-c", run, *argv], env=env, cwd=code)
    import qa
    from bench.common import BBC  # sets the offline environment first
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    print(f"qa from {Path(qa.__file__).parent}", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="qa-followups-"))
    seed = work / "seed"
    seed.mkdir()
    shutil.copy(ROOT / "corpus" / "russia-promises-free-weapons-to-afghanistan.txt", seed)
    bbc_data = Path(args.bbc_data_dir) if args.bbc_data_dir else work / "bbc"
    assistants = {
        "seed": build_assistant(Settings(corpus_dir=seed, data_dir=work / "seed-data"), sync=True),
        "bbc": build_assistant(Settings(corpus_dir=BBC, data_dir=bbc_data), sync=True),
    }
    lines = []
    for name in [s for s in args.sets.split(",") if s]:
        results = measure(assistants, name)
        if args.json:
            for r in results:
                print(json.dumps(r, ensure_ascii=False))
        lines.append(summary(name, results))
    print(
        "| set | follow-ups | right over /v1 | right in the chat | same on both | "
        "answered as well as alone | follow-up p50 ms (/v1) |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)
    return 0


def measure(assistants: dict, name: str) -> list[dict]:
    """Every labelled follow-up of set ``name`` asked in its conversation, both ways."""
    from qa.app.web.chat_ui import chat_text, user_markdown
    from qa.app.web.page import chat_markdown
    from qa.evaluation import metrics as m
    from qa.text.markdown import escape_answer, unescape_markdown
    from training.followup_data import load_conversations, right

    def api(question: str, answer) -> list[dict]:  # as /v1 parses a client's messages
        text = unescape_markdown(escape_answer(answer.answer), entities=False)
        return [{"role": "user", "content": question}, {"role": "assistant", "content": text}]

    def chat(question: str, answer, turn: int) -> list[dict]:  # as the chat hands them on
        shown = [("user", user_markdown(question)), ("assistant", chat_markdown(answer, turn))]
        return [{"role": r, "content": chat_text(r, c)} for r, c in shown]

    results = []
    for row in load_conversations(name):
        assistant = assistants[row["corpus"]]
        v1: list[dict] = []
        web: list[dict] = []
        for turn in row["turns"]:
            q = turn["question"]
            start = time.perf_counter()
            answer = assistant.ask(q, history=v1)
            ms = (time.perf_counter() - start) * 1000
            if "referent" in turn:
                shown = assistant.ask(q, history=web).standalone_question
                got = {"v1": answer.standalone_question, "chat": shown}
                ok = {k: right(s, q, turn["referent"], turn.get("not", [])) for k, s in got.items()}
                result = {"id": row["id"], "question": q, **got, "ok": ok, "ms": ms}
                result["history"] = list(v1)
                if turn.get("answers"):  # answered as well as the standalone rewrite alone?
                    alone = assistant.ask(turn["standalone"])
                    hit = m.contains_answer(answer.answer, turn["answers"]) and not answer.abstained
                    hit_alone = not alone.abstained and m.contains_answer(
                        alone.answer, turn["answers"]
                    )
                    result.update(answered=hit, answered_alone=hit_alone)
                results.append(result)
            web += chat(q, answer, len(web) + 1)
            v1 += api(q, answer)
    return results


def summary(name: str, results: list[dict]) -> str:
    n = len(results) or 1
    share = {k: sum(r["ok"][k] for r in results) / n for k in ("v1", "chat")}
    same = sum(r["v1"] == r["chat"] for r in results) / n
    scored = [r for r in results if "answered" in r]
    as_well = (
        f"{sum(r['answered'] >= r['answered_alone'] for r in scored) / len(scored):.1%} "
        f"({sum(r['answered'] for r in scored)} vs {sum(r['answered_alone'] for r in scored)} "
        "alone)"
        if scored
        else "-"
    )
    p50 = statistics.median(r["ms"] for r in results) if results else 0.0
    return (
        f"| {name} | {len(results)} | {share['v1']:.1%} | {share['chat']:.1%} | {same:.1%} "
        f"| {as_well} | {p50:.0f} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
