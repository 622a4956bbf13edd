"""Shared helpers for the benchmarks (BBC corpus location, timing, stats)."""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
BBC = Path(os.environ.get("BBC_DIR", ROOT.parent / "shared" / "bbc-news"))


@contextmanager
def timer(out: dict, key: str):
    start = time.perf_counter()
    yield
    out[key] = time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def child_env(root: Path, data: Path) -> dict[str, str]:
    """The environment of a qa process run from checkout ``root`` on data dir ``data``:
    offline, no QA_ setting of this shell, the checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(
        PYTHONPATH=str(root),
        QA_DATA_DIR=str(data),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
    )
    return env
