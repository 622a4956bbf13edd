"""One progress bar per command on a terminal; none in a log or with --json."""

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios

import pytest
from conftest import ROOT, bbc_files

BAR = re.compile(r"([A-Za-z]+):\s+\d+%\|")


def _env(data) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_DATA_DIR=str(data), PYTHONPATH=str(ROOT), TERM="xterm")
    return env


def on_terminal(args: list[str], data) -> tuple[int, str]:
    """Run ``python -m qa ARGS`` with a pseudo-terminal as stdout and stderr."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 120 columns
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", *args], env=_env(data), stdout=child, stderr=child
    )
    os.close(child)
    out = b""
    while True:
        try:
            piece = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not piece:
            break
        out += piece
    os.close(main)
    return proc.wait(300), out.decode("utf-8", "replace")


@pytest.fixture
def corpus_320_chunks(tmp_path):
    """About 320 chunks: more than one embedding batch used to draw its own bar."""
    folder = tmp_path / "corpus"
    for topic, path in bbc_files(70):
        (folder / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / topic / path.name)
    return folder


@pytest.mark.slow
def test_ingest_and_eval_draw_one_bar_on_a_terminal_and_none_in_a_log(corpus_320_chunks, tmp_path):
    corpus = str(corpus_320_chunks)
    code, out = on_terminal(["ingest", "--corpus", corpus], tmp_path / "d1")
    assert code == 0, out
    assert "Batches" not in out and set(BAR.findall(out)) == {"sync"}, out[-2000:]

    logged = subprocess.run(
        [sys.executable, "-m", "qa", "ingest", "--corpus", corpus],
        env=_env(tmp_path / "d2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert logged.returncode == 0 and not BAR.search(logged.stderr + logged.stdout)
    assert "articles" in logged.stdout  # the summary line is still there

    code, out = on_terminal(["ingest", "--corpus", corpus, "--json"], tmp_path / "d3")
    assert code == 0 and not BAR.search(out)
    assert json.loads(out.strip().splitlines()[-1])["articles_total"] == 70

    pairs = tmp_path / "qa.jsonl"
    pairs.write_text('{"question": "Who won the 2014 FIFA World Cup?", "answers": []}\n')
    code, out = on_terminal(["eval", str(pairs), "--corpus", corpus], tmp_path / "d4")
    assert code == 0, out
    assert "Batches" not in out and set(BAR.findall(out)) == {"eval"}, out[-2000:]
