"""The learned answerer's models: loaded from one small JSON file, evaluated with numpy.

``training/answerer.py`` trains them on labelled questions and writes
``qa/answering/models/answerer.json``. Each model is either logistic regression
(standardised inputs) or a small ensemble of regression trees (gradient boosting);
both give a probability. Four models:

- ``prefilter``: P(sentence holds the answer) from cheap lexical features, to choose
  which sentences are worth embedding;
- ``sentence``: the same probability from every feature, dense ones included;
- ``answerable``: P(the passages answer the question at all), with its threshold;
- ``span``: P(a span is the short answer), with the threshold for showing it in bold.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answering.ranking.features import ANSWERABLE, FEATURES, LEXICAL
from qa.answering.ranking.spans import SPAN_FEATURES

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "answerer.json"
EXPECTED = {
    "prefilter": LEXICAL,
    "sentence": FEATURES,
    "answerable": ANSWERABLE,
    "span": SPAN_FEATURES,
}


class ModelError(RuntimeError):
    """The model file is missing, unreadable, or was trained on other features."""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


@dataclass
class Linear:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def raw(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept


@dataclass
class Trees:
    """Gradient-boosted regression trees, stacked into padded (tree, node) arrays so that
    every tree is walked at once, one level per step."""

    baseline: float
    feature: np.ndarray  # (trees, nodes) int
    threshold: np.ndarray  # (trees, nodes) float
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray  # bool
    missing_left: np.ndarray  # bool
    value: np.ndarray

    @classmethod
    def from_lists(cls, baseline: float, trees: list[dict]) -> Trees:
        width = max(len(t["feature"]) for t in trees)

        def stack(key, dtype, fill):
            out = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t[key])] = t[key]
            return out

        return cls(
            baseline,
            stack("feature", np.int64, 0),
            stack("threshold", np.float64, 0.0),
            stack("left", np.int64, 0),
            stack("right", np.int64, 0),
            stack("leaf", bool, True),
            stack("missing_left", bool, True),
            stack("value", np.float64, 0.0),
        )

    def raw(self, x: np.ndarray) -> np.ndarray:
        n_trees = len(self.feature)
        tree = np.arange(n_trees)[None, :]
        node = np.zeros((len(x), n_trees), dtype=np.int64)
        rows = np.arange(len(x))[:, None]
        while True:
            leaf = self.leaf[tree, node]
            if leaf.all():
                break
            value = x[rows, self.feature[tree, node]]
            go_left = np.where(
                np.isnan(value), self.missing_left[tree, node], value <= self.threshold[tree, node]
            )
            nxt = np.where(go_left, self.left[tree, node], self.right[tree, node])
            node = np.where(leaf, node, nxt)
        return self.baseline + self.value[tree, node].sum(axis=1)


@dataclass
class Model:
    features: list[str]
    impl: Linear | Trees
    threshold: float = 0.5

    def proba(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1, len(self.features))
        return _sigmoid(self.impl.raw(x))


def model_from_dict(d: dict) -> Model:
    if d["kind"] == "linear":
        impl = Linear(
            np.array(d["mean"]), np.array(d["scale"]), np.array(d["coef"]), float(d["intercept"])
        )
    elif d["kind"] == "trees":
        impl = Trees.from_lists(float(d["baseline"]), d["trees"])
    else:
        raise ModelError(f"unknown model kind {d['kind']!r}")
    return Model(list(d["features"]), impl, float(d.get("threshold", 0.5)))


@dataclass
class AnswererModels:
    prefilter: Model
    sentence: Model
    answerable: Model
    span: Model
    info: dict


def models_from_dict(data: dict, source: str = "") -> AnswererModels:
    built = {}
    for name, expected in EXPECTED.items():
        if name not in data:
            raise ModelError(f"{source}: no {name!r} model; retrain with training/answerer.py")
        model = model_from_dict(data[name])
        if model.features != expected:
            raise ModelError(
                f"{source}: the {name!r} model was trained on other features than this code "
                "computes; retrain with `python -m training.answerer`"
            )
        built[name] = model
    return AnswererModels(**built, info=data.get("info", {}))


@functools.lru_cache(maxsize=4)
def load_models(path: str | None = None) -> AnswererModels:
    """The trained models (cached per process)."""
    file = Path(path) if path else MODEL_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read the answerer model {file}: {exc}") from exc
    return models_from_dict(data, str(file))
