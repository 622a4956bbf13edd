"""Follow-up rewriting on a labelled set of conversations (bench/followups.jsonl): the
share of follow-ups whose standalone question names what their pronoun refers to (and
none of the wrong things listed), asked the way ``/v1`` hands the conversation over
(message text) and the way the chat does (its Markdown), and how often the two agree.

    python -m bench.followups --bbc-data-dir DIR              # this checkout's rewrite
    python -m bench.followups --code OLD_CHECKOUT --bbc-data-dir DIR   # another's (before)

Each conversation is asked turn by turn through the real assistant (the seed article's
own index, or the BBC set's): the earlier answers are the engine's own. ``--code`` runs
again with another checkout's ``qa`` package first on the path, so the same set measures the old
rewrite. Without ``--bbc-data-dir`` the BBC set is indexed into a temporary folder first
(minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SET = HERE / "followups.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default=str(SET))
    parser.add_argument("--code", default=str(ROOT), help="the checkout whose qa to measure")
    parser.add_argument("--bbc-data-dir", help="an index of ../shared/bbc-news to reuse")
    parser.add_argument(
        "--json", action="store_true", help="print every follow-up's rewrite and history"
    )
    args = parser.parse_args()
    code = Path(args.code).resolve()
    if code != ROOT and os.environ.get("BENCH_QA_CODE") != str(code):
        # another checkout's qa first on the path: run again in a process that has it
        path = os.pathsep.join([str(code), str(ROOT)])
        env = {**os.environ, "PYTHONPATH": path, "BENCH_QA_CODE": str(code)}
        return subprocess.call([sys.executable, "-m", "bench.followups", *sys.argv[1:]], env=env)
    import qa
    from bench.common import BBC  # sets the offline environment first
    from qa.answering.service import build_assistant
    from qa.app.web.chat_ui import chat_text, user_markdown
    from qa.app.web.page import chat_markdown
    from qa.settings import Settings
    from qa.text.markdown import escape_answer, unescape_markdown

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

    def api(question: str, answer) -> list[dict]:  # as /v1 parses a client's messages
        text = unescape_markdown(escape_answer(answer.answer), entities=False)
        return [{"role": "user", "content": question}, {"role": "assistant", "content": text}]

    def chat(question: str, answer, turn: int) -> list[dict]:  # as the chat hands them on
        shown = [("user", user_markdown(question)), ("assistant", chat_markdown(answer, turn))]
        return [{"role": r, "content": chat_text(r, c)} for r, c in shown]

    rows = [json.loads(line) for line in Path(args.set).read_text().splitlines() if line]
    results = []
    for row in rows:
        assistant = assistants[row["corpus"]]
        v1: list[dict] = []
        web: list[dict] = []
        for turn in row["turns"]:
            q = turn["question"]
            answer = assistant.ask(q, history=v1)
            if "referent" in turn:
                shown = assistant.ask(q, history=web).standalone_question
                got = {"v1": answer.standalone_question, "chat": shown}
                ok = {k: right(s, turn["referent"], turn.get("not", [])) for k, s in got.items()}
                results.append(
                    {"id": row["id"], "question": q, **got, "ok": ok, "history": list(v1)}
                )
            web += chat(q, answer, len(web) + 1)
            v1 += api(q, answer)
    n = len(results)
    share = {k: sum(r["ok"][k] for r in results) / n for k in ("v1", "chat")}
    same = sum(r["v1"] == r["chat"] for r in results) / n
    if args.json:
        for r in results:
            print(json.dumps(r, ensure_ascii=False))
    print(
        f"{n} follow-ups in {len(rows)} conversations: resolved right over /v1 "
        f"{share['v1']:.1%}, in the chat {share['chat']:.1%}; same rewrite on both {same:.1%}"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


def right(standalone: str, referent: list[str], wrong: list[str]) -> bool:
    """The standalone question names the referent (one of its forms) and nothing wrong."""
    s = standalone.lower()
    return any(r.lower() in s for r in referent) and not any(w.lower() in s for w in wrong)


if __name__ == "__main__":
    raise SystemExit(main())
