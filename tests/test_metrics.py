"""Metric functions against hand-computed expectations."""

import pytest

from qa.evaluation.metrics import (
    abstain_precision_recall,
    contains_answer,
    exact_match,
    f1,
    first_hit_rank,
    hit_at,
    mrr,
    normalize,
    percentile,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # SQuAD's own normalisation examples (the official evaluate-v2.0 script)
        ("The Norman", "norman"),
        ("  the  Normans ", "normans"),
        ("Denmark, Iceland and Norway", "denmark iceland and norway"),
        ("A  Bird, an  Egg!", "bird egg"),
        ("10th century", "10th century"),
        ("“more than 3,000”", "more than 3000"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_exact_match_and_f1_hand_computed():
    assert exact_match("the Normans", ["Normans"]) == 1.0
    assert exact_match("Normans in France", ["Normans"]) == 0.0
    # pred tokens: normans in france (3); gold: normans (1); common 1 -> P=1/3, R=1 -> F1=0.5
    assert f1("Normans in France", ["Normans"]) == pytest.approx(0.5)
    # best over golds
    assert f1("December 31 2014", ["2014", "December 31, 2014"]) == 1.0
    assert f1("nothing here", ["Normans"]) == 0.0
    assert f1("", [""]) == 1.0


def test_contains_answer_respects_word_boundaries():
    assert contains_answer("There are more than 3,000 militants.", ["more than 3,000"])
    assert not contains_answer("The year 2014", ["201"])
    assert not contains_answer("anything", [""])


def test_ranks_hits_and_mrr():
    passages = [("a", "nothing"), ("b", "Matvienko spoke"), ("a", "Valentina Matvienko")]
    assert first_hit_rank(passages, ["Matvienko"]) == 2
    assert first_hit_rank(passages, ["Matvienko"], source="a") == 3
    assert first_hit_rank(passages, ["Putin"]) == 0
    ranks = [1, 2, 0, 4]
    assert hit_at(ranks, 1) == 0.25
    assert hit_at(ranks, 3) == 0.5
    assert mrr(ranks) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)


def test_abstention_precision_recall():
    abstained = [True, True, False, False, True]
    unanswerable = [True, False, True, False, True]
    # tp=2, predicted=3, actual=3
    assert abstain_precision_recall(abstained, unanswerable) == pytest.approx((2 / 3, 2 / 3))
    assert abstain_precision_recall([False], [False]) == (1.0, 1.0)


def test_percentile_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) == 0.0
