"""Where the training data and the shipped models are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BBC = Path(os.environ.get("BBC_DIR", SHARED / "bbc-news"))
NEWS_QA = SHARED / "news-qa"
SEED = 13  # every shuffle and every torch seed
READER_ONNX = ROOT / "qa" / "answering" / "models" / "reader.onnx"  # what answering runs
READER_WEIGHTS = ROOT / "training" / "weights" / "reader.safetensors"  # what it was exported from
