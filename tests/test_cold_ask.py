"""A cold `qa ask` loads no training machinery: questions are embedded on ONNX Runtime
(the shipped export of the bundled MiniLM), within cosine 0.999 of sentence-transformers;
and `qa ask --server URL` asks a running app instead."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SEED, free_port

QUESTION = "Who is the speaker of Russia's upper house?"

TEXTS = [
    QUESTION,
    "x",
    "",
    "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the "
    "three months to December, from $639m year-earlier.",
    "Ça coûte 12,5 € : naïve café, résumé, Zürich; 東京 2005年; Ελλάδα; Москва",
    "Valentina Matvienko, Russia's upper house speaker, held a meeting with the speaker of "
    "the upper house of the Afghan Parliament, Fazal Hadi Muslimyar.",
    "WHAT DID THE ARTICLES SAY ABOUT GOOGLE IN 2005???",
    "http://example.com/a?b=c&d=e #hashtag @someone 3.14159 1,000,000",
    # Over 256 word pieces: both truncate at the model's limit.
    "The striker scored twice in the final, and the crowd sang until midnight. " * 30,
    "Tell me about it.",
]


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    environ.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=300
    )


def test_onnx_query_vectors_match_sentence_transformers(embedder):
    """The vectors a question gets (ONNX) against sentence-transformers' float32 ones and
    the ones a sync stores (sentence-transformers at the configured precision)."""
    from qa.indexing.embeddings import Embedder

    assert embedder.queries is not None, "the shipped ONNX export is not in use"
    onnx = embedder.encode(TEXTS)
    fp32 = Embedder(embedder.model_path, precision="float32").encode_documents(TEXTS)
    stored = embedder.encode_documents(TEXTS) if embedder.bf16 else fp32
    assert onnx.shape == (len(TEXTS), 384) and onnx.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-4)
    assert float((onnx * fp32).sum(axis=1).min()) >= 0.999
    assert float((onnx * stored).sum(axis=1).min()) >= 0.999
    # One at a time (no padding) gives the vectors of the padded batch.
    alone = np.stack([embedder.encode([t])[0] for t in TEXTS])
    assert float((alone * onnx).sum(axis=1).min()) >= 0.9999


def test_the_sentence_pool_is_embedded_on_the_int8_export(embedder):
    """The reranker's sentences run on the int8 export: near the float32 vectors, and the
    same sentence comes out closest to the question."""
    from qa.indexing.embeddings import Embedder

    assert embedder.sentences is not None, "the shipped int8 export is not in use"
    int8 = embedder.encode_sentences(TEXTS)
    fp32 = Embedder(embedder.model_path, precision="float32").encode_documents(TEXTS)
    assert int8.shape == fp32.shape and int8.dtype == np.float32
    cosines = (int8 * fp32).sum(axis=1)
    # int8 products round differently from one CPU to the next (0.989 on an AVX2-only one)
    assert float(np.median(cosines)) >= 0.985 and float(cosines.min()) >= 0.95  # "x", "Tell me"
    assert float(cosines.min()) < 0.9999, "not the float32 export"
    sims8, sims32 = int8[1:] @ int8[0], fp32[1:] @ fp32[0]
    assert int(np.argmax(sims8)) == int(np.argmax(sims32))
    assert float(np.abs(sims8 - sims32).max()) <= 0.03


def test_answering_loads_neither_torch_nor_sentence_transformers(tmp_path, corpus, embedder):
    """Index the seed (a sync may use torch), then answer in a fresh process: the service
    built from Settings, and `qa ask` itself, import neither torch nor
    sentence-transformers."""
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    data = tmp_path / "data"
    build_assistant(Settings(corpus_dir=corpus, data_dir=data), sync=True)
    code = f"""
import sys
from pathlib import Path
from qa.answering.service import build_assistant
from qa.settings import Settings

settings = Settings(corpus_dir=Path({str(corpus)!r}), data_dir=Path({str(data)!r}))
answer = build_assistant(settings).ask({QUESTION!r})
assert "Valentina Matvienko" in answer.citations[0].quote, answer
from qa.app.cli.commands import main
assert main(["ask", "--corpus", {str(corpus)!r}, {QUESTION!r}]) == 0
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print("HEAVY", heavy)
"""
    done = _python(code, QA_DATA_DIR=str(data))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Valentina Matvienko" in done.stdout
    assert "HEAVY []" in done.stdout, done.stdout


def test_ask_a_down_server_says_so_in_one_line(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code = f"""
import sys
from qa.app.cli.commands import main
rc = main(["ask", "--server", {url!r}, {QUESTION!r}])
heavy = sorted(m for m in ("torch", "chromadb", "gradio", "onnxruntime") if m in sys.modules)
print("HEAVY", heavy, "RC", rc)
"""
    done = _python(code)
    assert "HEAVY [] RC 1" in done.stdout, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("error: cannot reach the app at " + url), lines


@pytest.mark.slow
def test_ask_server_answers_from_a_running_app(tmp_path):
    """The real app (with QA_AUTH): `qa ask --server` prints the answer `qa ask` prints,
    `--json` gives the app's answer object, filters travel, a wrong key is one line."""
    import json

    from test_web import start_app

    def ask(url, *args):
        return subprocess.run(
            [sys.executable, "-m", "qa", "ask", "--server", url, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=300,
        )

    for url, _ in start_app(tmp_path, QA_AUTH="alice:pw1"):
        text = ask(url, "--api-key", "alice:pw1", QUESTION)
        assert text.returncode == 0, text.stderr
        assert "short answer: Valentina Matvienko" in text.stdout
        assert "russia-promises-free-weapons-to-afghanistan" in text.stdout
        got = ask(url, "--api-key", "alice:pw1", "--json", "--k", "3", QUESTION)
        answer = json.loads(got.stdout)
        c = answer["citations"][0]
        assert SEED.read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
        assert len(answer["passages"]) <= 3 and answer["timings"]["total"] > 0
        dated = json.loads(
            ask(
                url, "--api-key", "alice:pw1", "--json", "--date-from", "2004-01-01", QUESTION
            ).stdout
        )
        assert dated["passages"] == [] and dated["excluded_undated"] == 1  # seed: undated
        for args in ([], ["--api-key", "alice:wrong"]):
            refused = ask(url, *args, QUESTION)
            assert refused.returncode == 1 and "Traceback" not in refused.stderr
            assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "needs a login" in ask(url, QUESTION).stderr
