"""Questions run concurrently, a sync runs alone, and a running assistant sees what
another process indexed. Real threads, a real app, real subprocesses."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import free_port
from test_sync_robust import ingest_process
from test_web import start_app

from qa.indexing.live import ReadWriteLock

QUESTION = "Who is the speaker of Russia's upper house?"
BRIDGE = (
    "Harbour bridge reopens\n\nEngineers replaced 312 steel cables on the harbour bridge, "
    "which reopened to traffic on Tuesday.\n"
)
BRIDGE_Q = "How many steel cables did engineers replace on the bridge?"


def _until(condition, what: str, limit: float = 60.0) -> None:
    """Wait for a condition another thread brings about (bounded; not a timing test)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_readers_share_a_writer_waits_and_holds_back_new_readers():
    lock = ReadWriteLock()
    order: list[str] = []
    first, second = threading.Event(), threading.Event()
    release = threading.Event()

    def reader(name: str, started: threading.Event):
        with lock.reading():
            order.append(f"{name} in")
            started.set()
            release.wait(30)
        order.append(f"{name} out")

    def writer():
        with lock.writing():
            order.append("writer")

    r1 = threading.Thread(target=reader, args=("r1", first))
    r2 = threading.Thread(target=reader, args=("r2", second))
    r1.start()
    r2.start()
    assert first.wait(30) and second.wait(30)  # two readers inside at once
    w = threading.Thread(target=writer)
    w.start()
    _until(lambda: lock._writers_waiting == 1, "the writer never waited")
    late = threading.Event()
    r3 = threading.Thread(target=reader, args=("r3", late))
    r3.start()
    assert "writer" not in order and not late.is_set()
    release.set()
    for t in (r1, r2, w, r3):
        t.join(30)
    # The writer ran after both readers left and before the reader that came later.
    assert order.index("writer") > max(order.index("r1 out"), order.index("r2 out"))
    assert order.index("writer") < order.index("r3 in")


def test_concurrent_questions_get_the_same_answers_as_one_at_a_time(assistant_for, bbc_corpus):
    from concurrent.futures import ThreadPoolExecutor

    assistant = assistant_for(bbc_corpus)
    assistant.retriever.refresh()  # the first questions race to build the BM25 side
    questions = [
        QUESTION,
        "Who won the 2014 FIFA World Cup?",
        "What did the Russian Security Council secretary discuss?",
        "How much did the company's profits rise?",
    ] * 4
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: assistant.ask(q).to_dict(), questions))
    alone = [assistant.ask(q).to_dict() for q in questions]
    for got, want in zip(together, alone, strict=True):
        assert got["answer"] == want["answer"]
        assert [p["chunk_id"] for p in got["passages"]] == [p["chunk_id"] for p in want["passages"]]


def test_a_sync_publishes_only_when_no_question_is_in_flight(assistant_for, corpus, monkeypatch):
    """The sync itself runs beside questions; the moment it changes what they read waits
    for the question in flight (which never sees the index change under it)."""
    assistant = assistant_for(corpus)
    (corpus / "bridge.txt").write_text(BRIDGE)
    monkeypatch.setattr(assistant.live, "YIELD_LIMIT", 0.1)  # it goes on beside the question
    inside, release = threading.Event(), threading.Event()
    search = assistant.retriever.search

    def slow_search(*args, **kwargs):  # holds one question inside retrieval
        inside.set()
        release.wait(30)
        return search(*args, **kwargs)

    monkeypatch.setattr(assistant.retriever, "search", slow_search)
    asking = threading.Thread(target=assistant.ask, args=(QUESTION,))
    asking.start()
    assert inside.wait(30)
    synced = []
    syncing = threading.Thread(target=lambda: synced.append(assistant.sync()))
    syncing.start()
    _until(lambda: assistant.live.lock._writers_waiting == 1, "the sync never waited", 120)
    assert not synced  # not while a question is retrieving
    release.set()
    asking.join(30)
    syncing.join(60)
    assert synced and synced[0].unchanged == 1 and synced[0].added == 1


def test_generation_moves_only_when_the_index_changes(capsys, corpus, tmp_path, embedder):
    from test_ingest import ingest_json

    data = tmp_path / "data"
    first = ingest_json(capsys, corpus, data)["generation"]
    assert first >= 1
    assert ingest_json(capsys, corpus, data)["generation"] == first  # nothing changed
    (corpus / "bridge.txt").write_text(BRIDGE)
    assert ingest_json(capsys, corpus, data)["generation"] == first + 1


def test_an_assistant_sees_what_another_process_indexed(assistant_for, corpus, tmp_path):
    assistant = assistant_for(corpus)
    assert assistant.ask(BRIDGE_Q).abstained
    (corpus / "bridge.txt").write_text(BRIDGE)
    ingest_process(corpus, tmp_path / "data")  # another process syncs the same index
    answer = assistant.ask(BRIDGE_Q)
    assert not answer.abstained and "312 steel cables" in answer.citations[0].quote
    top = answer.passages[0]
    assert top.article == "bridge" and top.dense is not None  # the vectors too, not only BM25
    (corpus / "bridge.txt").unlink()
    ingest_process(corpus, tmp_path / "data")
    assert assistant.ask(BRIDGE_Q).abstained


@pytest.mark.browser
def test_the_running_app_sees_an_article_indexed_by_qa_ingest(tmp_path):
    from gradio_client import Client

    for url, corpus in start_app(tmp_path):
        client = Client(url, verbose=False)
        assert client.predict(BRIDGE_Q, 0, "", api_name="/ask")["abstained"]
        (corpus / "bridge.txt").write_text(BRIDGE)
        ingest_process(corpus, tmp_path / "data")
        got = client.predict(BRIDGE_Q, 0, "", api_name="/ask")
        assert not got["abstained"] and "312 steel cables" in got["citations"][0]["quote"]


class _BarrierLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that answers only once two requests are in.

    If the app handled one question at a time, the first request would wait here alone
    and get a 503 when the barrier gives up."""

    barrier: threading.Barrier

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "the questions did not overlap"}}')
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for delta, finish in (
            ({"role": "assistant", "content": "Valentina Matvienko [1]."}, None),
            ({}, "stop"),
        ):
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "barrier",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.mark.browser
def test_two_questions_are_answered_at_the_same_time(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    handler = type("Handler", (_BarrierLLM,), {"barrier": threading.Barrier(2, timeout=60)})
    llm = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{llm.server_address[1]}/v1"
    try:
        for url, _ in start_app(tmp_path, QA_LLM="openai:barrier", OPENAI_BASE_URL=base):
            clients = [Client(url, verbose=False) for _ in range(2)]
            with ThreadPoolExecutor(2) as pool:
                answers = list(
                    pool.map(lambda c: c.predict(QUESTION, 0, "", api_name="/ask"), clients)
                )
            for got in answers:
                assert "error" not in got, got
                assert "Valentina Matvienko" in got["answer"]
    finally:
        llm.shutdown()
