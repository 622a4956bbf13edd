"""A broken index gives one clear line (what, where, what to do), never a traceback,
and the app keeps serving. Real files, real subprocesses, a real Chroma server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, free_port, start_chroma_server
from test_ingest import ingest_json
from test_sync_robust import ingest_process
from test_web import start_app

QUESTION = "Who is the speaker of Russia's upper house?"


def run_qa(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    environ.update(QA_DATA_DIR=str(data), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line(done: subprocess.CompletedProcess, *needles: str) -> str:
    """The command failed with exit 1 and a single 'error: ...' line naming ``needles``."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_a_corrupt_chroma_file_is_one_line_and_rebuild_repairs_it(corpus, tmp_path):
    data = tmp_path / "data"
    first = ingest_process(corpus, data)
    (data / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 500)
    one_line(run_qa(data, "ingest", "--corpus", str(corpus)), "chroma.sqlite3", "--rebuild")
    one_line(run_qa(data, "ask", "--corpus", str(corpus), QUESTION), "chroma.sqlite3", "--rebuild")
    rebuilt = ingest_process(corpus, data, "--rebuild")
    assert rebuilt["chunks_total"] == rebuilt["chunks_embedded"] == first["chunks_total"]
    assert json.loads(run_qa(data, "ask", "--corpus", str(corpus), QUESTION, "--json").stdout)[
        "citations"
    ]


def test_a_corrupt_record_manager_is_one_line_and_rebuild_repairs_it(corpus, tmp_path):
    data = tmp_path / "data"
    first = ingest_process(corpus, data)
    (data / "records.sqlite").write_bytes(b"garbage" * 1000)
    one_line(run_qa(data, "ingest", "--corpus", str(corpus)), "records.sqlite", "--rebuild")
    # Questions do not need the record manager: they are still answered.
    asked = run_qa(data, "ask", "--corpus", str(corpus), QUESTION, "--json")
    assert asked.returncode == 0 and json.loads(asked.stdout)["citations"]
    rebuilt = ingest_process(corpus, data, "--rebuild")
    assert rebuilt["chunks_total"] == first["chunks_total"]


@pytest.mark.parametrize("garbage", ["{not json", "[1, 2]", '{"a": 1}', "\udcff"])
def test_a_garbage_manifest_is_reported_and_rewritten(capsys, corpus, tmp_path, garbage, embedder):
    data = tmp_path / "data"
    ingest_json(capsys, corpus, data)
    [manifest] = (data / "manifests").glob("*.json")
    manifest.write_bytes(garbage.encode("utf-8", "surrogateescape"))
    summary = ingest_json(capsys, corpus, data)
    assert summary["articles_total"] == 1 and summary["chunks_embedded"] == 0
    assert any("manifest" in w["warning"] for w in summary["warnings"])
    assert ingest_json(capsys, corpus, data)["warnings"] == []


def test_a_chroma_server_that_is_down_is_one_line(corpus, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    data = tmp_path / "data"
    one_line(run_qa(data, "ingest", "--corpus", str(corpus), QA_CHROMA_URL=url), url, "chroma run")
    asked = run_qa(data, "ask", "--corpus", str(corpus), QUESTION, QA_CHROMA_URL=url)
    one_line(asked, url, "chroma run")


@pytest.mark.server
@pytest.mark.browser
def test_the_app_reports_a_chroma_server_that_went_down_and_recovers(tmp_path):
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_chroma_server(tmp_path / "server", port)
    try:
        for app_url, _ in start_app(tmp_path, QA_CHROMA_URL=url):
            client = Client(app_url, verbose=False)
            assert client.predict(QUESTION, 0, "", api_name="/ask")["citations"]
            server.terminate()
            server.wait(10)
            down = client.predict(QUESTION, 0, "", api_name="/ask")
            assert url in down["error"] and "chroma run" in down["error"]
            synced = client.predict(api_name="/ingest")
            assert url in synced["error"]
            server = start_chroma_server(tmp_path / "server", port)  # back, same data
            assert client.predict(QUESTION, 0, "", api_name="/ask")["citations"]
            assert client.predict(api_name="/ingest")["unchanged"] == 1
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.browser
def test_the_app_starts_and_answers_with_a_corrupt_record_manager(tmp_path):
    from gradio_client import Client

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "records.sqlite").write_bytes(b"garbage" * 1000)
    for app_url, _ in start_app(tmp_path):
        log = (tmp_path / "app.log").read_text()
        assert "records.sqlite" in log and "--rebuild" in log and "Traceback" not in log
        client = Client(app_url, verbose=False)
        got = client.predict(QUESTION, 0, "", api_name="/ask")
        assert got.get("abstained") is True  # nothing indexed yet, but no crash
        assert "records.sqlite" in client.predict(api_name="/ingest")["error"]
