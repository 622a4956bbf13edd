"""The learned answerer: its model file, its numpy predictors, and the answers it gives."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from qa.answering.builders.extractive import compose, quote
from qa.answering.question.expected import has_count
from qa.answering.ranking.features import (
    FEATURES,
    LEXICAL,
    Candidate,
    analyse,
    candidates,
    clauses,
    lexical_features,
)
from qa.answering.ranking.learned import (
    MODEL_PATH,
    ModelError,
    load_models,
    model_from_dict,
    models_from_dict,
)
from qa.answering.ranking.rerank import Scored, score_candidates
from qa.types import Passage

SEED_ID = "russia-promises-free-weapons-to-afghanistan"


def test_shipped_model_loads_and_matches_the_code():
    models = load_models()
    for model in (models.prefilter, models.sentence, models.answerable, models.span):
        x = np.random.default_rng(0).normal(size=(7, len(model.features)))
        p = model.proba(x)
        assert p.shape == (7,) and ((p >= 0) & (p <= 1)).all()
    assert 0 < models.answerable.threshold < 1
    assert "squad2-dev" in models.info["trained_on"]


def test_a_model_trained_on_other_features_is_refused(tmp_path):
    data = json.loads(MODEL_PATH.read_text())
    data["sentence"]["features"] = [*FEATURES[:-1], "something_else"]
    with pytest.raises(ModelError, match="retrain"):
        models_from_dict(data, "test")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ModelError, match="cannot read"):
        load_models(str(broken))


def test_exported_trees_predict_like_scikit_learn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from training.answerer import TREE_PARAMS, fit

    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 5))
    x[rng.random((600, 5)) < 0.05] = np.nan  # missing values take the trained branch
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 1]) ** 2 > 0.8).astype(int)
    names = [f"f{i}" for i in range(5)]
    ours = model_from_dict(fit(x, y, names, "trees"))
    theirs = HistGradientBoostingClassifier(**TREE_PARAMS).fit(x, y)
    assert np.allclose(ours.proba(x), theirs.predict_proba(x)[:, 1], atol=1e-9)


def test_exported_logistic_regression_predicts_like_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    from training.answerer import fit

    rng = np.random.default_rng(2)
    x = rng.normal(loc=3.0, scale=[1.0, 5.0, 0.1], size=(500, 3))
    y = (x[:, 0] - 3 + (x[:, 1] - 3) / 5 > 0).astype(int)
    ours = model_from_dict(fit(x, y, ["a", "b", "c"], "linear"))
    scaled = (x - x.mean(axis=0)) / x.std(axis=0)
    theirs = LogisticRegression(C=1.0, max_iter=3000).fit(scaled, y)
    assert np.allclose(ours.proba(x), theirs.predict_proba(scaled)[:, 1], atol=1e-6)


def _candidate(passage: Passage, text: str, score: float, prev: str = "") -> Candidate:
    start = passage.text.index(text)
    c = Candidate(passage, 0, passage.start + start, passage.start + start + len(text), text, 1)
    if prev:
        ps = passage.text.index(prev)
        c.prev, c.prev_start, c.prev_end = prev, passage.start + ps, passage.start + ps + len(prev)
    c.score = score
    return c


def test_compose_resolves_a_pronoun_and_never_quotes_a_sentence_twice():
    first = "Valentina Matvienko met the Afghan speaker in Moscow."
    second = "She said that Russia will supply free weapons."
    passage = Passage("c1", "a", "Title", "", 0, 100, f"{first} {second}")
    models = load_models()
    best = _candidate(passage, second, 0.9, prev=first)
    duplicate = _candidate(passage, second, 0.85)
    scored = Scored(analyse("What did she say?", lambda t: 1.0), [best, duplicate], 0.99)
    got = compose(scored, models, max_sentences=2)
    # The name and the pronoun standing for it are one quote, one citation.
    assert [c.quote for c in got.citations] == [f"{first} {second}"]
    assert passage.text[got.citations[0].start : got.citations[0].end] == f"{first} {second}"
    assert got.answer.count(second) == 1 and not got.abstained
    # Sentences of different paragraphs stay two citations.
    apart = Passage("c2", "a", "Title", "", 0, 100, f"{first}\n\n{second}")
    scored = Scored(scored.question, [_candidate(apart, second, 0.9, prev=first)], 0.99)
    assert [c.quote for c in compose(scored, models).citations] == [first, second]
    # Already quoted in the conversation: another sentence is preferred.
    other = _candidate(passage, first, 0.7)
    scored = Scored(scored.question, [_candidate(passage, second, 0.9), other], 0.99)
    got = compose(scored, models, max_sentences=1, given=(f"“{second}” [1]",))
    assert got.citations[0].quote == first
    # Both chosen, one quoted already: the new one first, and apart (not joined to it).
    other = _candidate(passage, first, 0.5)
    scored = Scored(scored.question, [_candidate(passage, second, 0.95), other], 0.99)
    got = compose(scored, models, max_sentences=2, given=(f"“{second}” [1]",))
    assert [c.quote for c in got.citations] == [first, second]


def test_how_much_money_is_matched_only_by_a_sum_of_money():
    paid = analyse("How much did Russia pay India for the helicopters?", lambda t: 1.0)
    many = analyse("How many helicopters will India supply?", lambda t: 1.0)
    assert paid.asks_money and not many.asks_money
    text = "New Delhi will supply Kabul with four Mi-25 gunship helicopters."
    sum_ = "Russia paid $25m for four Mi-25 gunship helicopters."
    p = Passage("c1", "a", "T", "", 0, 200, f"{text} {sum_}")
    match = LEXICAL.index("kind_match")
    cands = candidates([p])
    lexical_features(paid, cands)
    assert [c.lexical[match] for c in cands] == [0.0, 1.0]
    lexical_features(many, cands)
    assert [c.lexical[match] for c in cands] == [1.0, 1.0]


def test_how_many_is_matched_by_a_number_counting_what_is_asked():
    soldiers = analyse("How many Russian soldiers are deployed in Afghanistan?", lambda t: 1.0)
    helicopters = analyse("How many helicopters will New Delhi give?", lambda t: 1.0)
    assert soldiers.counted == {"russian", "soldier"} and helicopters.counted == {"helicopt"}
    provinces = "ISIL has gained a foothold in more than 20 provinces in Afghanistan."
    gunships = "New Delhi will supply Kabul with four Indian Air Force Mi-25 gunship helicopters."
    assert not has_count(provinces, soldiers.counted)
    assert has_count(gunships, helicopters.counted)
    assert has_count(provinces, frozenset())  # nothing named: any number
    assert not has_count("It happened in 2015 with helicopters.", helicopters.counted)  # a date


def test_the_category_word_of_the_question_is_not_a_term_to_cover():
    q = analyse("What model of helicopter is India sending?", lambda t: 1.0)
    assert "model" not in q.terms and "helicopt" in q.terms
    assert "name" not in analyse("What is the name of the minister?", lambda t: 1.0).terms
    assert "model" in analyse("Which model did Apple launch?", lambda t: 1.0).terms


def test_a_sentence_joining_several_facts_is_split_into_its_clauses():
    joined = (
        "After signing an agreement with India, according to which New Delhi will supply "
        "Kabul with four Mi-25 gunship helicopters, Afghanistan has turned to Russia."
    )
    assert clauses(joined) == [
        "After signing an agreement with India",
        "according to which New Delhi will supply Kabul with four Mi-25 gunship helicopters",
        "Afghanistan has turned to Russia.",
    ]
    assert clauses("Russia will supply free weapons to the Afghan army.") == []
    assert clauses("In 2015, Russia said so (briefly).") == []  # no two clauses of 4+ words


def test_the_best_sentence_is_also_compared_clause_by_clause(embedder):
    """A question about one fact of a long sentence matches that fact's clause better than
    the whole sentence, and P(answerable) sees the better of the two."""
    text = (
        "After signing an agreement with India, according to which New Delhi will supply "
        "Kabul with four Mi-25 gunship helicopters, Afghanistan has turned to Russia for "
        "military assistance to fight off militants."
    )
    passage = Passage("c1", "a", "Title", "", 0, len(text), text, score=1.0, dense=0.3)
    question = "What model of helicopter is India sending?"
    qv = embedder.encode([question])[0]
    embed = lambda texts: np.asarray(embedder.encode(texts), dtype=np.float32)  # noqa: E731
    got = score_candidates(
        analyse(question, lambda t: 1.0), qv, [passage], load_models(), embed, 12
    )
    best = got.sentences[0]
    # (embedded in another batch: bfloat16 matmuls differ in the 5th decimal)
    assert best.clause_dense == pytest.approx(float(max(embed(clauses(text)) @ qv)), abs=1e-3)
    assert best.clause_dense > best.dense + 0.1


def test_compose_abstains_under_the_threshold():
    models = load_models()
    scored = Scored(analyse("Who?", lambda t: 1.0), [], models.answerable.threshold / 2)
    got = compose(scored, models)
    assert got.abstained and not got.citations and "don't say" in got.answer


def test_a_quote_that_opens_with_quotation_marks_is_not_wrapped_again():
    assert quote("“We will win,” he said.") == "“We will win,” he said."
    assert quote("He said so.") == "“He said so.”"


@pytest.fixture(scope="module")
def seed(tmp_path_factory, embedder):
    import shutil

    from conftest import SEED

    from qa.answering.service import build_assistant
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("seed")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    # the learned answerer alone (the reader's answers: tests/test_reader.py)
    settings = Settings(
        _env_file=None, corpus_dir=root / "corpus", data_dir=root / "data", reader=False
    )
    return build_assistant(settings, sync=True)


def test_who_promised_free_weapons_is_russia(seed):
    answer = seed.ask("Who promised free weapons to Afghanistan?")
    assert not answer.abstained
    first = answer.citations[0].quote
    assert "Russia" in first or "Matvienko" in first
    assert "New Delhi" not in first


def test_what_she_said_after_the_meeting_is_the_next_sentence(seed):
    first = seed.ask("Who is the speaker of Russia's upper house?")
    history = [
        {"role": "user", "content": first.question},
        {"role": "assistant", "content": first.answer},
    ]
    follow = seed.ask("What did she say after the meeting?", history=history)
    assert any(c.quote.startswith("After the meeting, Matvienko said") for c in follow.citations)


def test_helicopter_model_is_answered(seed):
    model = seed.ask("What model of helicopter is India sending?")
    assert not model.abstained
    assert "Mi-25" in model.citations[0].quote


def test_the_helicopters_india_supplies_are_answered_from_their_clause(seed):
    """The Mi-25 fact is one clause of a long sentence about something else."""
    supply = seed.ask("What type of helicopters will India supply?")
    assert not supply.abstained
    assert "Mi-25" in supply.citations[0].quote


def test_what_russia_paid_india_is_not_in_the_article(seed):
    paid = seed.ask("How much did Russia pay India for the helicopters?")
    assert paid.abstained


def test_no_answer_quotes_the_same_sentence_twice(seed):
    for q in ("Who is Fazal Hadi Muslimyar?", "What does Moscow believe about ISIL?"):
        quotes = [c.quote for c in seed.ask(q).citations]
        assert len(quotes) == len(set(quotes))


@pytest.mark.slow
def test_training_script_runs_end_to_end(tmp_path):
    out = tmp_path / "answerer.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.answerer",
            "--limit",
            "400",
            "--folds",
            "2",
            "--data-dir",
            str(tmp_path / "index"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "learned" in done.stdout and "rules" in done.stdout
    models = load_models(str(out))
    assert models.info["questions"] == 400
    # every answerable question once more without its article, labelled unanswerable
    assert "off_corpus_refused" in done.stdout and models.info["off_corpus_questions"] > 100


def test_off_corpus_copies_go_with_their_article_and_leave_the_folds_as_they_were():
    """Adding the off-corpus copies must not move any squad2 question to another fold
    (the comparison with and without them is then on the same folds)."""
    from sklearn.model_selection import GroupKFold

    from training.answerer import article_folds
    from training.answerer_data import Item

    vec = np.zeros(3)
    own = [Item(str(i), "q", ["a"] if i % 2 else [], f"art{i % 7}", vec) for i in range(70)]
    copies = [Item(f"{it.qid}~off", "q", [], it.source, vec) for it in own if it.answerable]
    for c in copies:
        c.off_corpus = True
    items = own + copies
    groups = np.array([it.source for it in own])
    plain = [set(te) for _, te in GroupKFold(n_splits=3).split(own, groups=groups)]
    for (tr, te), expected in zip(article_folds(items, 3), plain, strict=True):
        assert {i for i in te if i < len(own)} == expected
        assert {items[i].source for i in tr}.isdisjoint({items[i].source for i in te})
        assert all(items[i].source in {own[j].source for j in expected} for i in te)
