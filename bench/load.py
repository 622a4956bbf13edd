"""Load on the real app: N concurrent clients x M questions through its HTTP API.

Starts `python app.py` on a loopback port over the BBC corpus (or --corpus), then:
- alone: each distinct question once, one at a time (latency and throughput of one client);
- load: N client threads, each asking M questions in a row, all at once.
Prints errors, p50/p95 latency, throughput (answers/s) and the app's peak RSS (VmHWM).
Each request and the whole run are bounded (--request-timeout, --deadline).

The API is Gradio's documented REST form: POST /gradio_api/call/ask, then read the
event stream GET /gradio_api/call/ask/<event_id>.

Usage: python -m bench.load [--clients 20] [--questions 10] [--data-dir DIR]
                            [--app-root DIR]   # e.g. an older checkout, to compare
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.common import BBC, ROOT, child_env, median, pct


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(root: Path, corpus: Path, data: Path, port: int, timeout: float, log: Path):
    env = child_env(root, data)
    cwd = tempfile.mkdtemp(prefix="qa-load-")  # no stray .env
    proc = subprocess.Popen(
        [sys.executable, str(root / "app.py"), "--corpus", str(corpus), "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the app exited:\n{log.read_text()[-2000:]}")
        try:
            httpx.get(url + "/", timeout=2)
            return proc, url
        except httpx.HTTPError:
            time.sleep(1)
    proc.kill()
    sys.exit("the app did not start in time")


def ask(client: httpx.Client, url: str, question: str) -> dict:
    """One question through the API; returns the answer object (or {"error": ...})."""
    posted = client.post(f"{url}/gradio_api/call/ask", json={"data": [question, 0, ""]})
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    event = ""
    with client.stream("GET", f"{url}/gradio_api/call/ask/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line.split(":", 1)[1].strip()
                if event == "error":
                    return {"error": data or "error event"}
                return json.loads(data)[0]
    return {"error": "stream ended without a result"}


def run(url: str, jobs: list[list[str]], request_timeout: float, deadline: float) -> dict:
    """Each inner list is one client's questions, asked in a row; all clients at once."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(len(jobs) + 1)
    stop_at = time.monotonic() + deadline

    def client_thread(questions: list[str]) -> None:
        with httpx.Client(timeout=request_timeout) as client:
            start_gate.wait()
            for q in questions:
                if time.monotonic() > stop_at:
                    with lock:
                        errors.append("deadline reached before asking")
                    continue
                t = time.perf_counter()
                try:
                    got = ask(client, url, q)
                    problem = got.get("error") or ("" if "answer" in got else "no answer")
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    problem = f"{exc.__class__.__name__}: {exc}"
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        errors.append(problem)

    threads = [threading.Thread(target=client_thread, args=(qs,)) for qs in jobs]
    for t in threads:
        t.start()
    start_gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join(deadline + request_timeout)
    wall = time.perf_counter() - began
    done = len(latencies)
    return {
        "clients": len(jobs),
        "asks": sum(len(qs) for qs in jobs),
        "answered": done - len(errors),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "p50_s": round(median(latencies), 3) if latencies else None,
        "p95_s": round(pct(latencies, 0.95), 3) if latencies else None,
        "wall_s": round(wall, 2),
        "throughput_per_s": round((done - len(errors)) / wall, 2) if wall else 0.0,
    }


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="per client")
    parser.add_argument("--corpus", default=str(BBC))
    parser.add_argument("--data-dir", default="", help="reuse an index (default: a temp dir)")
    parser.add_argument("--app-root", default=str(ROOT), help="the checkout whose app.py runs")
    parser.add_argument("--request-timeout", type=float, default=300.0)
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds per phase")
    parser.add_argument("--start-timeout", type=float, default=1200.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    pairs = [json.loads(line) for line in (ROOT / "bench" / "bbc_eval.jsonl").open()]
    questions = [p["question"] for p in pairs]
    data = Path(args.data_dir or tempfile.mkdtemp(prefix="qa-load-data-"))
    log = data.parent / f"{data.name}-app.log"
    proc, url = start_app(
        Path(args.app_root), Path(args.corpus), data, free_port(), args.start_timeout, log
    )
    try:
        with httpx.Client(timeout=args.request_timeout) as warm:
            ask(warm, url, questions[0])  # builds the BM25 side once
        n_asks = args.clients * args.questions
        alone_set = questions[: min(len(questions), n_asks)]
        alone = run(url, [alone_set], args.request_timeout, args.deadline)
        jobs = [
            [questions[(c * args.questions + j) % len(questions)] for j in range(args.questions)]
            for c in range(args.clients)
        ]
        load = run(url, jobs, args.request_timeout, args.deadline)
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    result = {"app_root": args.app_root, "alone": alone, "load": load, "peak_rss_mb": rss}
    if args.json:
        print(json.dumps(result))
        return
    print(f"app: {args.app_root}   corpus: {args.corpus}")
    for name, r in (("alone (1 client)", alone), (f"load ({args.clients} clients)", load)):
        print(
            f"  {name:<20} asks {r['asks']:>4}  errors {r['errors']:>3}  "
            f"p50 {r['p50_s']:>7.3f} s  p95 {r['p95_s']:>7.3f} s  "
            f"throughput {r['throughput_per_s']:>6.2f}/s  (wall {r['wall_s']} s)"
        )
        for example in r["error_examples"]:
            print(f"    error: {example}")
    print(f"  app peak RSS: {rss} MB")


if __name__ == "__main__":
    main()
