"""Evaluation metrics as pure functions (SQuAD-style normalisation)."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation) | set("“”‘’—–…")


def normalize(text: str) -> str:
    """SQuAD: lowercase, drop punctuation and the articles a/an/the, collapse whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def contains_answer(text: str, golds: Sequence[str]) -> bool:
    """Whether any gold answer (normalised) occurs in ``text`` (normalised)."""
    hay = f" {normalize(text)} "
    return any(normalize(g) and f" {normalize(g)} " in hay for g in golds)


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    return float(any(normalize(prediction) == normalize(g) for g in golds))


def f1(prediction: str, golds: Sequence[str]) -> float:
    """The best token-level F1 of ``prediction`` against the gold answers."""
    best = 0.0
    pred = normalize(prediction).split()
    for gold in golds:
        ref = normalize(gold).split()
        common = Counter(pred) & Counter(ref)
        same = sum(common.values())
        if not pred or not ref:
            best = max(best, float(pred == ref))
            continue
        if same == 0:
            continue
        precision, recall = same / len(pred), same / len(ref)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def first_hit_rank(
    passages: Sequence[tuple[str, str]], golds: Sequence[str], source: str = ""
) -> int:
    """1-based rank of the first (article, text) passage holding a gold answer; 0 if none."""
    for rank, (article, text) in enumerate(passages, 1):
        if (not source or article == source) and contains_answer(text, golds):
            return rank
    return 0


def hit_at(ranks: Sequence[int], k: int) -> float:
    return sum(1 for r in ranks if 0 < r <= k) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int]) -> float:
    return sum(1.0 / r for r in ranks if r > 0) / len(ranks) if ranks else 0.0


def abstain_precision_recall(
    abstained: Sequence[bool], unanswerable: Sequence[bool]
) -> tuple[float, float]:
    """Precision and recall of abstention, taking unanswerable questions as positives."""
    tp = sum(1 for a, u in zip(abstained, unanswerable, strict=True) if a and u)
    predicted, actual = sum(abstained), sum(unanswerable)
    precision = tp / predicted if predicted else (1.0 if not actual else 0.0)
    recall = tp / actual if actual else 1.0
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return float(ordered[int(rank) - 1])


def article_recall_precision(
    cited: Mapping[str, Sequence[str]], gold: Iterable[str]
) -> tuple[float, float]:
    """Recall and precision of the cited articles against a gold set of articles.

    ``cited``: {cited article id: its near-duplicate copies (the citation's also_in)}. A
    citation stands for its copies too: it is right when it or a copy is gold, and it
    covers every gold copy. Recall: the share of gold articles covered; precision: the
    share of cited articles that are right. Nothing cited: (0, 0)."""
    gold = set(gold)
    if not gold or not cited:
        return 0.0, 0.0
    covered: set[str] = set()
    right = 0
    for article, copies in cited.items():
        story = {article, *copies}
        covered |= story & gold
        right += bool(story & gold)
    return len(covered) / len(gold), right / len(cited)
