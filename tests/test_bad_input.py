"""Bad input and faults get one readable line, never a traceback, a bare 500 or
``{"error": null}`` (issue 36, 7-11): on the real app's /v1 and /ask, the real CLI, a
real Gradio app, and an upload written to a size-limited file."""

import json
import os
import subprocess
import sys

import httpx
import pytest
from conftest import ROOT, free_port
from test_web import start_app

from qa.answering.question.check import QuestionError, check_question

OK = "Who is the speaker of Russia's upper house?"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from start_app(tmp_path_factory.mktemp("app"))


def _post(url: str, body: bytes | dict, timeout: float = 120):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    return httpx.post(f"{url}v1/chat/completions", content=data, headers=headers, timeout=timeout)


def _refused(got, status: int = 400, param: str | None = None) -> str:
    assert got.status_code == status, (got.status_code, got.text[:300])
    error = got.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] and "\n" not in error["message"]
    assert param is None or error["param"] == param, error
    return error["message"]


@pytest.mark.slow
def test_v1_refuses_bad_bodies_in_the_openai_error_shape(app):
    url, _ = app
    assert "not JSON" in _refused(_post(url, b'{"messages": "\xff\xfe"}'))  # not UTF-8
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "not JSON" in _refused(_post(url, deep))
    for text in (3, None):
        part = {"role": "user", "content": [{"type": "text", "text": text}]}
        _refused(_post(url, {"messages": [part]}), param="messages")
    lone = b'{"messages": [{"role": "user", "content": "Who \\ud800 is it?"}]%s}'
    for stream in (b"", b', "stream": true'):
        assert "not valid text" in _refused(_post(url, lone % stream), param="messages")
    invisible = {"messages": [{"role": "user", "content": "\u200b\u200b\u200d"}]}
    assert "type a question" in _refused(_post(url, invisible))
    big = {"role": "assistant", "content": "x" * (20 * 1024 * 1024)}
    got = _post(url, {"messages": [big, {"role": "user", "content": OK}]})
    assert "MB limit" in _refused(got, 413)
    for extra, param in (({"n": 2}, "n"), ({"tools": [{"type": "function"}]}, "tools")):
        got = _post(url, {"messages": [{"role": "user", "content": OK}], **extra})
        _refused(got, param=param)
    schema = {"type": "json_object"}
    got = _post(url, {"messages": [{"role": "user", "content": OK}], "response_format": schema})
    _refused(got, param="response_format")


@pytest.mark.slow
def test_v1_answers_despite_a_lone_surrogate_in_the_history_and_says_what_it_ignored(app):
    url, _ = app
    history = b'{"role": "assistant", "content": "An earlier \\udc00 reply"}'
    question = json.dumps({"role": "user", "content": OK}).encode()
    for stream in (b"", b', "stream": true'):
        body = b'{"max_tokens": 5, "messages": [%s, %s]%s}' % (history, question, stream)
        got = _post(url, body)
        assert got.status_code == 200, got.text[:300]
        if stream:
            assert got.text.rstrip().endswith("data: [DONE]") and '"error"' not in got.text
            assert '"ignored_parameters": ["max_tokens"]' in got.text
        else:
            assert "Matvienko" in got.json()["choices"][0]["message"]["content"]
            assert got.json()["ignored_parameters"] == ["max_tokens"]


@pytest.mark.slow
def test_ask_refuses_bad_dates_and_k_in_one_line(app):
    from gradio_client import Client

    url, _ = app
    client = Client(url, verbose=False)
    for k, date_from, date_to, said in (
        (0, "abc", "", "date_from must be a date"),
        (0, "2005-02-30", "", "date_from must be a date"),
        (0, "", "9999-99-99", "date_to must be a date"),
        (0, "2005-03-01", "2005-02-01", "is after date_to"),
        (-1, "", "", "k must be a whole number"),
        (10**30, "", "", "k must be a whole number"),
    ):
        got = client.predict(OK, k, "", None, date_from, date_to, api_name="/ask")
        assert said in (got.get("error") or ""), (k, date_from, date_to, got)
    got = client.predict(OK, 3, "", None, "", "", api_name="/ask")  # the seed has no date
    assert "error" not in got and "Matvienko" in got["answer"]


def _qa_ask(tmp_path, *args: str | bytes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "qa", "ask", *args], env=env, capture_output=True, timeout=300
    )


def test_qa_ask_refuses_bad_bytes_k_and_dates_in_one_line(tmp_path):
    for args, said in (
        ((b"Who \xff?",), b"not valid text"),
        (("--k", "-1", OK), b"k must be a whole number"),
        (("--k", "1000000000000000000000000000000", OK), b"k must be a whole number"),
        (("--date-from", "2005-02-30", OK), b"date_from must be a date"),
        (("--date-to", "abc", OK), b"date_to must be a date"),
    ):
        done = _qa_ask(tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr[-500:])
        assert done.stderr.count(b"\n") == 1 and said in done.stderr, (args, done.stderr)


def test_invisible_questions_are_refused():
    for question in ("\u200b", "\u200b\u200c\u200d\ufeff", " \u2060 \n"):
        with pytest.raises(QuestionError, match="type a question"):
            check_question(question, 100)
    assert check_question(" Who\u200b is it? ", 100) == "Who\u200b is it?"


def test_a_failing_page_event_reaches_the_client_as_one_line():
    """Gradio sends {"error": null} for any exception but its own: every event of the
    app is wrapped (qa/app/web/errors.py). A real Gradio app on loopback."""
    import gradio as gr
    from gradio_client import Client

    from qa.app.web.errors import with_readable_errors

    def full(text: str) -> str:
        raise OSError(28, "No space left on device", "/srv/secret/data/chat.sqlite")

    def stream(text: str):
        yield "one"
        raise KeyError("turn")

    with gr.Blocks() as demo:
        gr.api(full, api_name="full")
        gr.api(stream, api_name="stream")
    with_readable_errors(demo).queue()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    try:
        client = Client(url, verbose=False)
        for api, said in (
            ("/full", "No space left on device (chat.sqlite)"),
            ("/stream", "KeyError"),
        ):
            with pytest.raises(Exception) as raised:
                client.predict("x", api_name=api)
            assert said in str(raised.value) and "/srv" not in str(raised.value), raised.value
    finally:
        demo.close()


UPLOAD = """
import resource, signal, sys
from pathlib import Path
from qa.app.articles.uploads import UploadError, save_upload
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # the disk fills up
try:
    save_upload(Path(sys.argv[1]), "big.txt", Path(sys.argv[2]), 10)
except UploadError as exc:
    print(exc)
"""


def test_a_failed_upload_leaves_nothing_in_the_corpus(tmp_path):
    source, corpus = tmp_path / "upload.txt", tmp_path / "corpus"
    source.write_text("Big article\n\n" + "A sentence of the article. " * 20_000)  # 540 KB
    corpus.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", UPLOAD, str(source), str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("big.txt could not be saved: File too large"), done.stdout
    assert list(corpus.iterdir()) == []  # no 0-byte or half-written article


@pytest.mark.slow
def test_a_stopped_app_leaves_no_export_folder(tmp_path):
    """SIGTERM (a service manager's stop) removes the users' exports, as Ctrl-C does."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    for _ in start_app(tmp_path, wait_synced=False, TMPDIR=str(temp)):
        assert list(temp.glob("qa-exports-*"))  # made at start; start_app sends SIGTERM
    assert not list(temp.glob("qa-exports-*"))


def test_a_full_database_is_said_in_its_own_words_without_the_sql():
    """A chat turn that cannot be saved (the disk is full) is said, not lost silently."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from qa.app.web.errors import one_line

    full = sqlite3.OperationalError("database or disk is full")
    said = one_line(OperationalError("INSERT INTO messages VALUES (?)", ("my question",), full))
    assert said == "Something went wrong: database or disk is full"


def test_messages_to_clients_name_no_absolute_server_path(monkeypatch, tmp_path):
    """Issue 36 (11): a page or API client is told a file as the operator configured it
    (relative to the working folder) or by its last two parts, never where the server
    keeps it; URLs stay whole."""
    from qa.app.web.errors import one_line
    from qa.indexing.errors import IndexUnavailable
    from qa.text.paths import error_text

    monkeypatch.chdir(tmp_path)
    said = error_text(
        IndexUnavailable(
            f"the Chroma store {tmp_path}/.qa/chroma cannot be read; another sync is running "
            "on /srv/secret/qa/data (lock /srv/secret/qa/data/sync.lock); "
            "the server http://localhost:8000/api/v2 is down"
        )
    )
    assert said == (
        "the Chroma store .qa/chroma cannot be read; another sync is running on qa/data "
        "(lock data/sync.lock); the server http://localhost:8000/api/v2 is down"
    )
    assert "/srv" not in one_line(RuntimeError("the manifest /srv/secret/manifest.json"))
