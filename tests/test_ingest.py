"""Sync semantics, crash recovery, locking and the Chroma server mode, all for real."""

import fcntl
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import ROOT

from qa.app.cli.commands import main
from qa.indexing.sync import SyncBusyError, sync_lock


def ingest_json(capsys, corpus: Path, data: Path, *extra: str, env: dict | None = None) -> dict:
    """Run `qa ingest --json` in-process and parse its single JSON object."""
    os.environ["QA_DATA_DIR"] = str(data)
    for key, value in (env or {}).items():
        os.environ[key] = value
    try:
        code = main(["ingest", "--corpus", str(corpus), "--json", *extra])
    finally:
        os.environ.pop("QA_DATA_DIR")
        for key in env or {}:
            os.environ.pop(key)
    out = capsys.readouterr().out
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    return json.loads(lines[0])


def test_add_edit_delete_unchanged(capsys, bbc_corpus, tmp_path, embedder):
    data = tmp_path / "data"
    first = ingest_json(capsys, bbc_corpus, data)
    assert first["added"] == 41 and first["updated"] == first["deleted"] == 0
    assert first["chunks_embedded"] == first["chunks_total"] > 41
    assert first["articles_total"] == 41 and first["errors"] == []
    assert set(first) >= {
        "added",
        "updated",
        "deleted",
        "unchanged",
        "chunks_embedded",
        "chunks_total",
        "articles_total",
        "seconds",
        "errors",
    }

    again = ingest_json(capsys, bbc_corpus, data)
    assert again["unchanged"] == 41 and again["chunks_embedded"] == 0
    assert again["chunks_total"] == first["chunks_total"]

    # Add one, edit one (one sentence changed), delete one.
    (bbc_corpus / "new.md").write_text("---\ntitle: Fresh news\n---\nA brand new story.\n")
    edited = bbc_corpus / "sport" / "001.txt"
    edited.write_text(edited.read_text() + "\nA late update was added to this story.\n")
    removed = bbc_corpus / "tech" / "001.txt"
    before = manifest(data)
    removed.unlink()
    third = ingest_json(capsys, bbc_corpus, data)
    assert (third["added"], third["updated"], third["deleted"], third["unchanged"]) == (1, 1, 1, 39)
    # Only the new article's chunk and the edited article's changed chunk(s) are embedded.
    assert 2 <= third["chunks_embedded"] <= 3
    after = manifest(data)
    assert third["chunks_total"] == (
        first["chunks_total"]
        + 1
        - before["tech/001"]["chunks"]
        + after["sport/001"]["chunks"]
        - before["sport/001"]["chunks"]
    )
    assert "tech/001" not in after and after["new"]["title"] == "Fresh news"


def manifest(data: Path) -> dict:
    [path] = (data / "manifests").glob("*.json")
    return json.loads(path.read_text())


def test_bad_files_reported_rest_ingested(capsys, corpus, tmp_path, embedder):
    (corpus / "empty.txt").write_text("")
    (corpus / "bad.pdf").write_bytes(b"not a pdf at all")
    summary = ingest_json(capsys, corpus, tmp_path / "data")
    assert summary["articles_total"] == 1 and summary["chunks_total"] >= 3
    assert {e["file"] for e in summary["errors"]} == {"empty.txt", "bad.pdf"}


def test_rebuild_drops_and_reembeds(capsys, corpus, tmp_path, embedder):
    data = tmp_path / "data"
    first = ingest_json(capsys, corpus, data)
    rebuilt = ingest_json(capsys, corpus, data, "--rebuild")
    assert rebuilt["added"] == 1 and rebuilt["chunks_embedded"] == first["chunks_total"]
    assert rebuilt["chunks_total"] == first["chunks_total"]


def test_second_sync_waits_for_the_lock_or_says_why(settings_for, corpus, embedder):
    from qa.answering.service import build_assistant

    assistant = build_assistant(settings_for(corpus))
    with sync_lock(assistant.settings.data_dir), pytest.raises(SyncBusyError, match="another sync"):
        assistant.sync()
    assert assistant.sync().added == 1  # the lock is free again


def test_missing_corpus_is_a_clear_error(capsys, tmp_path):
    os.environ["QA_DATA_DIR"] = str(tmp_path / "data")
    try:
        code = main(["ingest", "--corpus", str(tmp_path / "nope"), "--json"])
    finally:
        os.environ.pop("QA_DATA_DIR")
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


def _cli_env(data: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_DATA_DIR=str(data), PYTHONPATH=str(ROOT), **extra)
    return env


@pytest.mark.slow
def test_sync_killed_midway_is_completed_by_the_next(capsys, tmp_path, embedder):
    from conftest import bbc_files

    corpus = tmp_path / "big"
    for topic, path in bbc_files(300):
        (corpus / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, corpus / topic / path.name)
    killed_data = tmp_path / "killed"
    terminal, child = pty.openpty()  # the progress bar is drawn on a terminal only
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "ingest", "--corpus", str(corpus)],
        env=_cli_env(killed_data, QA_SYNC_BATCH_SIZE="64"),  # many batches to kill between
        stderr=child,
        stdout=subprocess.DEVNULL,
    )
    os.close(child)
    # Kill it once some chunks are in the store but not all: tqdm reports "sync:  N%".
    deadline = time.monotonic() + 300
    buf = ""
    while time.monotonic() < deadline:
        try:
            piece = os.read(terminal, 4096).decode("utf-8", "replace")
        except OSError:  # the child closed the terminal
            break
        if not piece:
            break
        buf += piece
        if "sync:" in buf and any(f" {p}%|" in buf[-200:] for p in range(20, 90)):
            break
    assert proc.poll() is None, "ingest finished before it could be killed:\n" + buf[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    os.close(terminal)
    resumed = ingest_json(capsys, corpus, killed_data)
    clean = ingest_json(capsys, corpus, tmp_path / "clean")
    assert resumed["chunks_total"] == clean["chunks_total"]
    assert 0 < resumed["chunks_embedded"] < clean["chunks_embedded"]
    assert ingest_json(capsys, corpus, killed_data)["chunks_embedded"] == 0


@pytest.mark.server
def test_chroma_server_mode(capsys, chroma_server, corpus, tmp_path, embedder):
    import chromadb

    data = tmp_path / "data"
    env = {"QA_CHROMA_URL": chroma_server}
    first = ingest_json(capsys, corpus, data, env=env)
    assert first["added"] == 1 and first["chunks_total"] == first["chunks_embedded"] > 0
    assert not (data / "chroma").exists()  # nothing went to the embedded store
    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    [collection] = client.list_collections()
    assert collection.count() == first["chunks_total"]
    second = ingest_json(capsys, corpus, data, env=env)
    assert second["chunks_embedded"] == 0 and second["unchanged"] == 1


def test_the_summary_line_says_1_article(capsys, corpus, tmp_path, embedder, monkeypatch):
    import re

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^1 article, \d+ chunks in the index", out, re.M), out
