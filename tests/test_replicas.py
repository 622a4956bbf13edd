"""One Chroma server, two app replicas, one sync job, each its own process (all real).

The replicas share the sync job's data dir (the sparse index and the generation file)
and its record manager database (``QA_RECORDS_URL``); they never sync themselves
(``QA_SYNC_ON_START=false``) and pick up a new generation before the next question."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ROOT, SEED, free_port
from test_live import BRIDGE, BRIDGE_Q

pytestmark = pytest.mark.server


def _env(shared, chroma_url, records_url, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        QA_CHROMA_URL=chroma_url,
        QA_DATA_DIR=str(shared),
        QA_RECORDS_URL=records_url,
        QA_COLLECTION="news",
        **extra,
    )
    return env


def _sync_job(corpus, env) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "qa", "ingest", "--corpus", str(corpus), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _ask(url: str, question: str) -> dict:
    body = json.dumps({"model": "qa-news", "messages": [{"role": "user", "content": question}]})
    request = urllib.request.Request(
        url + "v1/chat/completions", body.encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def _start_replica(tmp_path, name, env):
    port = free_port()
    log = open(tmp_path / f"{name}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        env={**env, "GRADIO_TEMP_DIR": str(tmp_path / f"{name}-gradio")},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    return proc, f"http://127.0.0.1:{port}/"


def _wait_up(proc, url, log_path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()
        try:
            urllib.request.urlopen(url + "v1/models", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("replica did not start:\n" + log_path.read_text())


def test_two_replicas_answer_from_an_article_a_third_process_synced(tmp_path, chroma_server):
    corpus = tmp_path / "corpus"  # only the sync job sees it
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    shared = tmp_path / "shared"
    records_url = f"sqlite:///{tmp_path / 'db' / 'records.sqlite'}"
    (tmp_path / "db").mkdir()
    env = _env(shared, chroma_server, records_url)
    first = _sync_job(corpus, env)
    assert first["articles_total"] == 1 and (tmp_path / "db" / "records.sqlite").is_file()
    assert not (shared / "chroma").exists()  # the vectors are on the server

    replica_env = _env(
        shared, chroma_server, records_url, QA_SYNC_ON_START="false", QA_CORPUS_DIR="absent"
    )
    replicas = [_start_replica(tmp_path, f"replica{i}", replica_env) for i in (1, 2)]
    try:
        for i, (proc, url) in enumerate(replicas, 1):
            _wait_up(proc, url, tmp_path / f"replica{i}.log")
        for _, url in replicas:
            assert _ask(url, BRIDGE_Q)["abstained"]
            assert not _ask(url, "Who is the speaker of Russia's upper house?")["abstained"]
        (corpus / "bridge.txt").write_text(BRIDGE)
        second = _sync_job(corpus, env)  # the third process
        assert second["generation"] == first["generation"] + 1
        assert second["chunks_embedded"] == 1  # the record manager knew the seed's chunks
        for _, url in replicas:
            got = _ask(url, BRIDGE_Q)
            assert not got["abstained"], got
            assert "312 steel cables" in got["citations"][0]["quote"]
            assert got["citations"][0]["article"] == "bridge"
    finally:
        for proc, _ in replicas:
            proc.terminate()
        for proc, _ in replicas:
            proc.wait(20)
