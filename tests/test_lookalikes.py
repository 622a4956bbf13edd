"""The look-alike unanswerable questions the reader's last training round learns to refuse."""

import random

import pytest

from training.lookalikes import article_terms, lookalike

ARTICLE = [
    "The treaty was signed in Vienna in 1815 by Metternich. Thus the war ended.",
    "Although the congress met in Paris in 1814, Talleyrand spoke for France at 3 meetings.",
    "In 1820 revolts broke out in Naples, and Castlereagh warned against intervention.",
]


def make(question, paragraph=ARTICLE[0], answers=("Metternich",), seed=0):
    return lookalike(
        question, paragraph, list(answers), article_terms(ARTICLE), random.Random(seed)
    )


def test_a_name_the_paragraph_holds_is_swapped_for_one_of_the_article_it_does_not():
    for seed in range(20):
        got = make("Who signed the treaty in Vienna?", seed=seed)
        assert got is not None
        question, rule = got
        assert rule == "name"  # the question holds no number and no word with an opposite
        assert "Vienna" not in question
        new = question.removeprefix("Who signed the treaty in ").removesuffix("?")
        assert new in {"Paris", "Talleyrand", "France", "Naples", "Castlereagh"}
        assert new not in ARTICLE[0]


def test_a_year_is_swapped_for_another_year_and_a_count_for_a_count():
    years = {make("What happened in 1815?", answers=("treaty",), seed=s)[0] for s in range(20)}
    assert years <= {"What happened in 1814?", "What happened in 1820?"}
    assert len(years) == 2


def test_a_word_is_turned_into_its_opposite_when_the_paragraph_lacks_the_opposite():
    assert make("When did the war begin?", answers=("1815",)) == (
        "When did the war end?",
        "antonym",
    )
    # a paragraph that holds the opposite may answer the changed question: left alone
    assert make("When did the war end?", paragraph="It would begin again and end in 1815.") is None


@pytest.mark.parametrize("opener", ["Thus", "Although"])
def test_words_that_open_sentences_are_not_names(opener):
    names, _, _ = article_terms(ARTICLE)
    assert not any(n.startswith(opener) for n in names)
    assert {"Paris", "Talleyrand", "France", "Naples", "Castlereagh"} <= set(names)


def test_no_rule_applies_to_a_question_without_names_numbers_or_opposites():
    assert make("What was signed?", answers=("treaty",)) is None


def test_the_swap_never_brings_in_the_answer():
    for seed in range(20):
        got = make("Who spoke in Vienna?", answers=("Talleyrand",), seed=seed)
        assert got is None or "Talleyrand" not in got[0]


def test_the_shipped_weights_lie_the_asked_share_of_the_way_to_the_look_alike_round(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    from training.reader import mix_weights

    save_file({"w": torch.tensor([0.0, 4.0], dtype=torch.float16)}, str(tmp_path / "main"))
    save_file({"w": torch.tensor([8.0, 0.0], dtype=torch.float16)}, str(tmp_path / "tuned"))
    mix_weights(tmp_path / "main", tmp_path / "tuned", 0.75, tmp_path / "out")
    mixed = load_file(str(tmp_path / "out"))["w"]
    assert mixed.dtype == torch.float16
    assert mixed.tolist() == [6.0, 1.0]


def test_the_reworded_share_is_drawn_from_questions_their_text_words_otherwise():
    from training.reader_data import overlap, reworded_mix

    text = "Valentina Matvienko, Russia's upper house speaker, met Fazal Hadi Muslimyar."
    paras = {"a": [text]}

    def row(question, answer):
        return {"source": "a", "paragraph_index": 0, "question": question, "answers": [answer]}

    plain = row("Which speaker of Russia's upper house met Muslimyar?", "Valentina Matvienko")
    reworded = row("Who chairs the senate?", "Valentina Matvienko")
    missing = row("Who chairs the senate?", "Vladimir Putin")  # its answer is not there
    assert overlap(plain, paras) > 0.5
    assert overlap(reworded, paras) == 0.0
    assert overlap(missing, paras) == 1.0
    rows = [plain, plain, missing, plain, reworded, reworded]
    assert reworded_mix(rows, paras, 4, 0.0) == rows[:4]  # the shipped round, as before
    assert reworded_mix(rows, paras, 4, 0.5) == [plain, plain, reworded, reworded]
