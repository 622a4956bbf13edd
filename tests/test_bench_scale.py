"""bench/scale.py at its smallest size prints its table with sane values (a real run:
BBC articles, synthetic variants with planted facts, `qa ingest`, `qa ask`)."""

import subprocess
import sys

import pytest
from conftest import BBC, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BBC.is_dir(), reason="../shared/bbc-news is not there"),
]


def test_scale_bench_prints_a_sane_table(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            *("--sizes", "200", "--max-articles", "200", "--planted", "10", "--asks", "10"),
            *("--work", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    header = lines[-2].split()
    assert header[:3] == ["articles", "MB", "ingest"]
    cells = lines[-1].split()
    articles, mb, _, mb_per_min, _, chunks, data_mb, first_s, rss, retr, answer = cells[:11]
    hit_at_1 = float(cells[11])
    assert int(articles) == 200
    assert 0.1 < float(mb) < 2 and float(mb_per_min) > 0.1
    assert int(chunks) >= 200 and float(data_mb) > 1
    assert 1 < float(first_s) < 120 and 100 < float(rss) < 4000
    p50, p95 = map(float, retr.split("/"))
    assert 0 < p50 <= p95 < 5000
    p50, p95 = map(float, answer.split("/"))
    assert 0 < p50 <= p95 < 10000
    assert hit_at_1 >= 0.7  # the planted facts are found
    assert len(list((tmp_path / "corpus-200" / "synthetic").glob("*.txt"))) == 10
