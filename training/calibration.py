"""The reader's two small models and their thresholds, fitted on features it collected:

- ``answerable``: P(the passages answer the question), a logistic regression over
  ``evidence.ANSWERABLE_FEATURES``; abstain under a threshold raised in steps of 0.01 until
  the refusals' precision first falls under the target (``abstain_threshold``);
- ``short``: P(the reader's span is exactly the answer), over ``SHORT_FEATURES``; bold from
  the lowest threshold where at least ``BOLD_PRECISION`` of the bold answers are exact.
Both in the learned answerer's JSON format (``qa/answering/models/reader.json``).
"""

from __future__ import annotations

import numpy as np

from qa.answering.ranking.learned import model_from_dict
from qa.answering.readers.evidence import ANSWERABLE_FEATURES, SHORT_FEATURES
from training.answerer import fit as fit_model

TARGET_PRECISION = 0.8  # refusals right 4 in 5
BOLD_PRECISION = 0.7


def fit_linear(x: np.ndarray, y: np.ndarray, names: list[str]) -> dict:
    return fit_model(x, y, names, "linear")  # the learned answerer's trainer, same JSON format


def proba(d: dict, x: np.ndarray) -> np.ndarray:
    return model_from_dict(d).proba(x)


def abstain_threshold(p: np.ndarray, unanswerable: np.ndarray, precision: float) -> float:
    """The highest threshold under which the abstentions stay >= ``precision`` right all
    the way up: raised from the least likely question, it stops where the abstentions so
    far (20 at least) fall under the target, in steps of 0.01. (The highest
    threshold that meets the target anywhere is ill-posed where precision hovers at the
    target: fitted on nearly the same features, it jumped from 0.32 to 0.43 and refused news
    questions it had answered; in steps of 0.001, one question's dip stopped it at 0.28.)"""
    best = float(np.min(p)) - 1e-6
    for t in np.unique(np.round(p, 2)):  # steps of 0.01: a dip of one question is noise
        abstain = p < t
        if abstain.sum() < 20:
            continue
        if unanswerable[abstain].mean() < precision:
            break
        best = float(t)
    return best


def bold_threshold(p: np.ndarray, exact: np.ndarray, precision: float) -> float:
    """The lowest threshold at which the bold answers are exact at least ``precision``."""
    for t in np.unique(np.round(p, 3)):
        shown = p >= t
        if shown.sum() >= 20 and exact[shown].mean() >= precision:
            return float(t)
    return 1.0


def fit(data: dict[str, np.ndarray], target: float = TARGET_PRECISION) -> dict:
    """Both models and their thresholds, from collected ``data`` (``answerable``, ``short``
    feature rows, ``unanswerable`` and ``exact`` flags)."""
    answerable = fit_linear(data["answerable"], ~data["unanswerable"], ANSWERABLE_FEATURES)
    p = proba(answerable, data["answerable"])
    answerable["threshold"] = abstain_threshold(p, data["unanswerable"], target)
    mask = ~data["unanswerable"]
    short = fit_linear(data["short"][mask], data["exact"][mask], SHORT_FEATURES)
    ps = proba(short, data["short"][mask])
    short["threshold"] = bold_threshold(ps, data["exact"][mask], BOLD_PRECISION)
    return {"answerable": answerable, "short": short}


def folds_by_article(sources: list[str], n: int) -> np.ndarray:
    """Each question's fold: its article's place among the sorted articles, modulo ``n``
    (all of an article's questions in one fold: none is scored by a model fitted on its
    article)."""
    order = {a: i % n for i, a in enumerate(sorted(set(sources)))}
    return np.array([order[s] for s in sources])


def cross_fitted(data: dict[str, np.ndarray], fold: np.ndarray, target: float):
    """P(answerable) and the abstain decision of every question from the models fitted on
    the other folds, and each fold's threshold."""
    p = np.zeros(len(fold))
    refused = np.zeros(len(fold), dtype=bool)
    thresholds = []
    for f in sorted(set(fold.tolist())):
        fitted = fit({k: v[fold != f] for k, v in data.items()}, target)
        here = fold == f
        p[here] = proba(fitted["answerable"], data["answerable"][here])
        refused[here] = p[here] < fitted["answerable"]["threshold"]
        thresholds.append(fitted["answerable"]["threshold"])
    return p, refused, thresholds
