"""Check /v1 with a real Open WebUI: our app on the seed corpus, Open WebUI pointed at its
/v1, a question and a follow-up asked through Open WebUI's own API (as its page asks
them), then in a chat of its own a question whose answer quotes one article twice, and
the answers and the sources Open WebUI stored with them, printed.

    python -m bench.openwebui_check [--venv /tmp/owui-venv] [--keep DIR]

Open WebUI is installed (``pip install open-webui``, a few minutes and about 2 GB) into
its own virtualenv when ``--venv`` has none. Nothing is downloaded beyond that: Open
WebUI runs offline (no embedding model, no update check) and with its background
requests (titles, tags, follow-ups) off. Exit code 0 when every [n] of an answer came
back as one source of Open WebUI's, in order, one content block quoting the cited span
of the article, and no two chips alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "russia-promises-free-weapons-to-afghanistan.txt"
QUESTION = "Who is the speaker of Russia's upper house?"  # two quotes of one article
FOLLOW_UP = "Who did she meet?"
TWO_QUOTES = "What did the articles say about ISIL?"  # two quotes of one article: two chips


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install(venv: Path) -> Path:
    """The ``open-webui`` command of ``venv``, installed there first if missing."""
    command = venv / "bin" / "open-webui"
    if command.exists():
        return command
    print(f"installing open-webui into {venv} (pip, a few minutes) ...", flush=True)
    subprocess.run(["nice", "-n", "10", sys.executable, "-m", "venv", str(venv)], check=True)
    pip = ["nice", "-n", "10", str(venv / "bin" / "python"), "-m", "pip", "install"]
    log = venv / "install.log"
    with log.open("w") as out:
        for args in (["--upgrade", "pip"], ["open-webui"]):
            if subprocess.run([*pip, *args], stdout=out, stderr=subprocess.STDOUT).returncode:
                sys.exit(f"pip install {' '.join(args)} failed:\n{log.read_text()[-4000:]}")
    return command


def call(url: str, body: dict | None = None, token: str = "", timeout: float = 120) -> dict:
    """JSON in, JSON out (GET without a body)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited:\n{log.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 and the like)
        except OSError:
            time.sleep(1)
    sys.exit(f"{what} did not start in {seconds:.0f} s:\n{log.read_text()[-4000:]}")


def start_app(work: Path) -> tuple[subprocess.Popen, str]:
    """``python app.py`` on the seed corpus; returned once the corpus is synced."""
    corpus = work / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    port, log = free_port(), work / "app.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_DATA_DIR=str(work / "data"), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--corpus", str(corpus), "--port", str(port)],
        env={**env, "GRADIO_TEMP_DIR": str(work / "gradio")},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/v1/models", proc, log, 600, "the app")
    deadline = time.monotonic() + 900
    while "Synced " not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the app did not sync:\n{log.read_text()[-4000:]}")
        time.sleep(0.5)
    return proc, url


def start_openwebui(command: Path, work: Path, api: str) -> tuple[subprocess.Popen, str]:
    """``open-webui serve`` with its data in ``work``, pointed at ``api`` (our /v1)."""
    port, log = free_port(), work / "openwebui.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("QA_", "OPENAI_"))},
        "DATA_DIR": str(work / "openwebui-data"),
        "WEBUI_SECRET_KEY": uuid.uuid4().hex,
        "OPENAI_API_BASE_URL": f"{api}/v1",
        "OPENAI_API_KEY": "none",  # any key: the app runs without QA_AUTH here
        "ENABLE_OLLAMA_API": "False",
        # Open WebUI's own background requests would go to qa-news too: off.
        "ENABLE_TITLE_GENERATION": "False",
        "ENABLE_TAGS_GENERATION": "False",
        "ENABLE_FOLLOW_UP_GENERATION": "False",
        "ENABLE_AUTOCOMPLETE_GENERATION": "False",
        # Offline: no embedding model to download, no update check, no telemetry.
        "OFFLINE_MODE": "True",
        "HF_HUB_OFFLINE": "1",
        "RAG_EMBEDDING_ENGINE": "openai",
        "RAG_OPENAI_API_BASE_URL": f"{api}/v1",
        "RAG_OPENAI_API_KEY": "none",
        "BYPASS_EMBEDDING_AND_RETRIEVAL": "True",
        "ANONYMIZED_TELEMETRY": "False",
        "DO_NOT_TRACK": "true",
        "SCARF_NO_ANALYTICS": "true",
    }
    proc = subprocess.Popen(
        ["nice", "-n", "5", str(command), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/health", proc, log, 900, "Open WebUI")
    return proc, url


def ask(webui: str, token: str, chat_id: str | None, history: list[dict], question: str):
    """Ask ``question`` in the chat (a new one when ``chat_id`` is None) the way Open
    WebUI's page does; returns (chat id, the stored assistant message)."""
    user_id, answer_id = str(uuid.uuid4()), str(uuid.uuid4())
    parent = history[-1]["id"] if history else None
    user_message = {
        "id": user_id,
        "parentId": parent,
        "childrenIds": [],
        "role": "user",
        "content": question,
        "timestamp": int(time.time()),
        "models": ["qa-news"],
    }
    messages = [{"role": m["role"], "content": m["content"]} for m in history]
    body = {
        "model": "qa-news",
        "messages": [*messages, {"role": "user", "content": question}],
        "stream": True,
        "parent_id": parent,
        "user_message": user_message,
        "id": answer_id,
        "session_id": "openwebui-check",
        "params": {},
        "features": {},
        "background_tasks": {},
        **({"chat_id": chat_id} if chat_id else {}),
    }
    started = call(f"{webui}/api/chat/completions", body, token)
    chat_id = started["chat_id"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        chat = call(f"{webui}/api/v1/chats/{chat_id}", token=token)["chat"]
        message = chat["history"]["messages"].get(answer_id, {})
        if message.get("done"):
            return chat_id, message
        time.sleep(1)
    sys.exit(f"Open WebUI stored no finished answer in 300 s: {message}")


def chip(name: str) -> str:
    """The chip Open WebUI shows for a source name in the answer's text (its
    SourceToken.svelte: the first 15 and the last 10 characters of a longer name)."""
    return name[:15] + "..." + name[-10:] if len(name) > 30 else name


def report(question: str, message: dict, seed: str) -> bool:
    """Print the answer and the sources Open WebUI stored with it, as its page groups
    them (by ``metadata.source``: the n-th distinct id is [n], named by its first
    ``metadata.name``); True when they match the answer's [n] markers one to one, in
    order, each one content block quoting the article exactly, and no two chips alike."""
    print(f"\nQ: {question}\nA: {message.get('content', '')}")
    if message.get("error"):
        print(f"error: {message['error']}")
    stored = message.get("sources") or []
    print(f"stored sources: {len(stored)}")
    chips: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for source in stored:
        documents, metas = source.get("document", []), source.get("metadata", [])
        for document, meta in zip(documents, metas, strict=False):
            cid = meta.get("source") or source["source"].get("id")
            chips.setdefault(cid, []).append(document)
            names.setdefault(cid, meta.get("name") or source["source"].get("name") or "")
    ok = True
    for n, (cid, documents) in enumerate(chips.items(), 1):
        quote = documents[0]
        exact = quote in seed
        ok &= exact and f"[{n}]" in message.get("content", "") and len(documents) == 1
        print(f"  [{n}] {cid}\n      chip: {chip(names[cid])!r}")
        print(f"      quote: {quote!r} (in the article: {exact})")
        for extra in documents[1:]:
            print(f"      a second content block: {extra!r}")
    markers = {f"[{n}]" for n in range(1, 20) if f"[{n}]" in message.get("content", "")}
    ok &= len(markers) == len(chips) > 0
    shown = [chip(names[cid]) for cid in chips]
    if len(set(shown)) < len(shown):
        print(f"  chips alike: {shown}")
        ok = False
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=Path("/tmp/owui-venv"))
    parser.add_argument("--keep", type=Path, help="keep the logs and data in this folder")
    args = parser.parse_args()
    command = install(args.venv)
    version = subprocess.run(
        [str(args.venv / "bin" / "python"), "-m", "pip", "show", "open-webui"],
        capture_output=True,
        text=True,
    ).stdout
    print(next((line for line in version.splitlines() if line.startswith("Version")), "?"))
    work = args.keep or Path(tempfile.mkdtemp(prefix="owui-check-"))
    work.mkdir(parents=True, exist_ok=True)
    procs = []
    try:
        app, api = start_app(work)
        procs.append(app)
        print(f"app: {api} (seed corpus synced)", flush=True)
        webui_proc, webui = start_openwebui(command, work, api)
        procs.append(webui_proc)
        print(f"Open WebUI: {webui}", flush=True)
        token = call(
            f"{webui}/api/v1/auths/signup",
            {"name": "check", "email": "check@example.com", "password": "check-pw-1"},
        )["token"]
        models = [m["id"] for m in call(f"{webui}/api/models", token=token)["data"]]
        print(f"models Open WebUI lists: {models}")
        seed = SEED.read_text(encoding="utf-8")
        chat_id, first = ask(webui, token, None, [], QUESTION)
        ok = report(QUESTION, first, seed)
        history = [
            {"id": "u1", "role": "user", "content": QUESTION},
            {"id": first["id"], "role": "assistant", "content": first["content"]},
        ]
        _, second = ask(webui, token, chat_id, history, FOLLOW_UP)
        ok &= report(FOLLOW_UP, second, seed)
        _, third = ask(webui, token, None, [], TWO_QUOTES)
        ok &= report(TWO_QUOTES, third, seed)
        print(f"\n{'OK' if ok else 'FAILED'}: every [n] is one Open WebUI source quoting it")
        return 0 if ok else 1
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
