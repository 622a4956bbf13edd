"""Suggested follow-ups: built from the cited passages' other sentences, and only shown
when the assistant answers them from the same articles."""

import pytest

from qa.answering.builders.suggest import candidate_questions, questions_from, suggest_followups

SEED_ID = "russia-promises-free-weapons-to-afghanistan"


def test_templates_turn_sentences_into_questions():
    text = "After the meeting, Matvienko said that Moscow will continue working closely with Kabul."
    assert ("Matvienko", "What did Matvienko say?") in questions_from(text)
    dated = "On December 31, 2014, the United States formally concluded its operations."
    assert ("December 31, 2014", "What happened on December 31, 2014?") in questions_from(dated)
    person = "Valentina Matvienko, Russia’s upper house speaker, held a meeting."
    assert ("Matvienko", "Who is Valentina Matvienko?") in questions_from(person)
    org = "According to the Collective Security Treaty Organization, 3,000 militants are there."
    got = dict(questions_from(org))
    assert got["the Collective Security Treaty Organization"] == (
        "What did the Collective Security Treaty Organization say?"
    )
    context = "the infamous Islamic State (ISIL) is looking to gain ground"
    assert questions_from("Russia vowed to defeat ISIL in the region.", context) == [
        ("Islamic State", "What is ISIL?")  # one subject with its spelled-out name
    ]
    # A sentence's capital is not kept inside the question, nor an auxiliary verb.
    lions = "Film studio Lions Gate entertainment has announced an initial list of 12 movies."
    assert questions_from(lions)[0] == (
        "film studio Lions Gate entertainment",
        "What did film studio Lions Gate entertainment say?",
    )
    engineer = "The chief engineer said the cables were replaced on Tuesday."
    assert questions_from(engineer)[0][1] == "What did the chief engineer say?"
    analysts = "Analysts said the deal would help the firm grow."
    context = f"{analysts} Other analysts agreed."
    assert all("nalysts" not in q for _, q in questions_from(analysts, context))  # no name
    brown = "Gordon Brown has said he hopes to announce a deal."
    assert questions_from(brown)[0][1] == "What did Gordon Brown say?"
    # Demonyms used as adjectives and pronoun speakers make no question.
    assert questions_from("He said the Afghan military needs new helicopters.") == []


@pytest.fixture(scope="module")
def seed_assistant(tmp_path_factory, embedder):
    import shutil

    from conftest import SEED

    from qa.answering.service import build_assistant
    from qa.settings import Settings

    base = tmp_path_factory.mktemp("suggest")
    (base / "corpus").mkdir()
    shutil.copy(SEED, base / "corpus" / SEED.name)
    return build_assistant(
        Settings(corpus_dir=base / "corpus", data_dir=base / "data", _env_file=None), sync=True
    )


@pytest.mark.parametrize(
    "question",
    ["Who is the speaker of Russia's upper house?", "When did ISAF combat operations end?"],
)
def test_suggestions_are_answerable_from_the_cited_article(seed_assistant, question):
    answer = seed_assistant.ask(question)
    quoted = {(c.start, c.end) for c in answer.citations}
    suggestions = suggest_followups(seed_assistant, answer, n=3)
    # Only questions the articles answer are offered; the learned abstention now refuses
    # some ("What did Sputnik International say?"), so one answer may get a single one.
    assert 1 <= len(suggestions) <= 3, suggestions
    assert len(set(suggestions)) == len(suggestions)
    assert set(suggestions) <= set(candidate_questions(answer, [question]))
    spans = set()
    for suggestion in suggestions:
        got = seed_assistant.ask(suggestion)
        assert not got.abstained, suggestion
        first = got.citations[0]
        assert first.article == SEED_ID
        assert (first.start, first.end) not in quoted  # something the answer did not say
        spans.add((first.start, first.end))
    assert len(spans) == len(suggestions)  # no two suggestions with the same answer


def test_candidates_come_from_the_cited_passages_other_sentences(seed_assistant):
    answer = seed_assistant.ask("Who is the speaker of Russia's upper house?")
    cited = {c.chunk_id for c in answer.citations}
    first = candidate_questions(answer, [answer.question])[0]
    # The first candidate comes from the cited passage itself, not from its quote.
    passage = next(p for p in answer.passages if p.chunk_id in cited)
    subject = first.removeprefix("What is ").rstrip("?")
    quote = answer.citations[0].quote
    assert subject in passage.text and subject not in quote


def test_no_suggestions_under_an_abstention_or_when_turned_off(seed_assistant):
    refusal = seed_assistant.ask("Who won the 2014 FIFA World Cup?")
    assert refusal.abstained and suggest_followups(seed_assistant, refusal) == []
    answer = seed_assistant.ask("Who is the speaker of Russia's upper house?")
    assert suggest_followups(seed_assistant, answer, n=0) == []


def test_suggestions_are_checked_as_a_click_asks_them_after_the_conversation(seed_assistant):
    first = seed_assistant.ask("Who is the speaker of Russia's upper house?")
    history = [
        {"role": "user", "content": first.question},
        {"role": "assistant", "content": first.answer},
    ]
    answer = seed_assistant.ask("Who did she meet?", history=history)
    history += [
        {"role": "user", "content": "Who did she meet?"},
        {"role": "assistant", "content": answer.answer},
    ]
    suggestions = suggest_followups(seed_assistant, answer, [first.question], history=history)
    assert suggestions
    for suggestion in suggestions:  # what the click asks: the same question, same history
        got = seed_assistant.ask(suggestion, history=history)
        assert not got.abstained and got.citations[0].article == SEED_ID, suggestion
