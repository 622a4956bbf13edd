"""Shared fixtures: the real bundled embedder, real Chroma in tmp_path, real articles."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BBC = SHARED / "bbc-news"
SEED = ROOT / "corpus" / "russia-promises-free-weapons-to-afghanistan.txt"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's .env or QA_* variables, nor writes to the repo."""
    for key in list(os.environ):
        if key.startswith("QA_") or key in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder():
    from qa.indexing.embeddings import load_embedder
    from qa.settings import Settings

    s = Settings(_env_file=None)  # the same cache key build_assistant uses by default
    return load_embedder(s.embedding_model, s.embedding_batch_size, s.embedding_precision)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A corpus folder holding the seed article."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


def bbc_files(n: int, topics=("business", "politics", "sport", "tech", "entertainment")):
    """The first n BBC articles, spread over the topics (as (topic, path))."""
    out = []
    per = -(-n // len(topics))
    for topic in topics:
        files = sorted((BBC / topic).glob("*.txt"))[:per]
        out.extend((topic, f) for f in files)
    return out[:n]


@pytest.fixture
def bbc_corpus(tmp_path) -> Path:
    """A corpus of 40 real BBC articles in topic folders, plus the seed article."""
    folder = tmp_path / "bbc"
    for topic, path in bbc_files(40):
        (folder / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / topic / path.name)
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def settings_for(tmp_path):
    """Settings with the index in tmp_path for a given corpus folder."""
    from qa.settings import Settings

    def make(corpus_dir: Path, **kw):
        return Settings(corpus_dir=corpus_dir, data_dir=tmp_path / "data", **kw)

    return make


@pytest.fixture
def assistant_for(settings_for, embedder):
    from qa.answering.service import build_assistant

    def make(corpus_dir: Path, sync: bool = True, **kw):
        return build_assistant(settings_for(corpus_dir, **kw), sync=sync)

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma_server(path: Path, port: int) -> subprocess.Popen:
    """`chroma run` on loopback, returned once it answers its heartbeat."""
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("QA_")},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            assert proc.poll() is None, "chroma run exited"
            time.sleep(0.3)
    proc.kill()
    pytest.fail("chroma server did not start")


@pytest.fixture
def chroma_server(tmp_path):
    proc = start_chroma_server(tmp_path / "server", port := free_port())
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)
