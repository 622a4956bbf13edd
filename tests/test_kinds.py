"""Question kinds: the deterministic classifier, and its factoid fallbacks."""

from __future__ import annotations

import pytest

from qa.answering.question.kinds import classify

TABLE = [
    ("What did the articles say about Google?", "overview", "Google"),
    ("what do the news say about the Nintendo DS", "overview", "Nintendo DS"),
    ("Tell me about Yukos.", "overview", "Yukos"),
    ("Any news on the Mac mini?", "overview", "Mac mini"),
    ("Give me an overview of broadband in Britain", "overview", "broadband in Britain"),
    ("What's the latest on Ask Jeeves?", "overview", "Ask Jeeves"),
    ("What are the papers saying about the budget?", "overview", "budget"),
    ("What's in the news about Yukos?", "overview", "Yukos"),
    ("What happened to Yukos?", "timeline", "Yukos"),
    ("Timeline of the Google share sale", "timeline", "Google share sale"),
    ("Summarise the Nintendo DS article", "summary", ""),
    ("summarize the article about Google's toolbar", "summary", ""),
    ("Please sum up the story on the Mac mini", "summary", ""),
    ("Compare Apple and Sony", "comparison", ""),
    ("Apple vs Sony", "comparison", ""),
    ("How did Apple's and Sony's results compare?", "comparison", "results"),
    ("What is the difference between Google and Yahoo?", "comparison", ""),
    ("How does the DS compare with the PSP?", "comparison", ""),
    ("What is Google vs Yahoo about?", "factoid", ""),
    # factoids, including ones that look a little like the patterns
    ("Who is the CEO of Google?", "factoid", ""),
    ("What did Google say about the toolbar?", "factoid", ""),
    ("When does the Nintendo DS go on sale in Europe?", "factoid", ""),
    ("How much did Time Warner earn?", "factoid", ""),
    ("Tell me about it", "factoid", ""),  # nothing to look for
    ("What happened?", "factoid", ""),
    ("Summarise", "summary", ""),  # no article named: the only one there is, if one
    ("", "factoid", ""),
]


@pytest.mark.parametrize(("question", "name", "topic"), TABLE)
def test_classify(question, name, topic):
    kind = classify(question)
    assert kind.name == name
    assert kind.topic == topic


def test_summary_hints_name_the_article():
    assert classify("Summarise the Nintendo DS article").article_hint == "Nintendo DS"
    assert classify("summarize the article about Google's toolbar").article_hint == (
        "Google's toolbar"
    )


def test_summarise_it_names_no_article_the_conversation_or_the_corpus_does():
    history = [{"role": "user", "content": "Tell me about the DS"}]
    kind = classify("Summarise it", history)
    assert (kind.name, kind.article_hint) == ("summary", "")
    # alone, "it" is the only article there is (Summaries.find_article), else no summary
    assert (classify("Summarise it").name, classify("Summarise it").article_hint) == (
        "summary",
        "",
    )
    assert classify("Sum it up", history).name == "summary"


def test_comparison_sides():
    assert classify("How did Apple's and Sony's results compare?").sides == ["Apple", "Sony"]
    assert classify("Compare Google, Yahoo and Microsoft").sides == [
        "Google",
        "Yahoo",
        "Microsoft",
    ]
    assert classify("Apple versus Sony").sides == ["Apple", "Sony"]
    assert classify("How does the DS compare with the PSP?").sides == ["DS", "PSP"]
    kind = classify("Compare Labour and the Conservatives on immigration")
    assert (kind.sides, kind.topic) == (["Labour", "Conservatives"], "immigration")


def test_sections_are_in_date_order_when_dated():
    from qa.answering.builders.grouped import Picked, Section, by_date_then_score
    from qa.types import Passage

    def section(article: str, published: str, score: float) -> Section:
        p = Passage(f"{article}#0", article, article.upper(), published, 0, 5, "Hello")
        return Section([Picked(p, 0, 5, "Hello", score)])

    got = by_date_then_score(
        [
            section("b", "2005-03-01", 0.9),
            section("u1", "", 0.5),
            section("a", "2004-12-31", 0.2),
            section("u2", "", 0.8),
        ]
    )
    assert [s.article.passage.article for s in got] == ["a", "b", "u2", "u1"]


def test_the_opening_says_how_sections_are_ordered():
    from qa.answering.builders.grouped import Picked, Section
    from qa.answering.builders.overview import _order
    from qa.types import Passage

    def section(published: str) -> Section:
        p = Passage("a#0", "a", "A", published, 0, 5, "Hello")
        return Section([Picked(p, 0, 5, "Hello", 1.0)])

    assert _order([section("2005-01-01"), section("2005-02-01")]) == "in date order"
    assert _order([section(""), section("")]) == "the most relevant first"
    assert _order([section("2005-01-01"), section("")]).startswith("dated ones first")


def test_it_in_an_overview_is_the_subject_of_the_last_question():
    history = [
        {"role": "user", "content": "Tell me about Google's toolbar"},
        {"role": "assistant", "content": "..."},
    ]
    kind = classify("What did the articles say about it?", history)
    assert (kind.name, kind.topic) == ("overview", "Google's toolbar")
    history[0]["content"] = "Compare Apple and Sony"
    assert classify("What happened to them?", history).topic == "Apple and Sony"
    assert classify("What did the articles say about it?").name == "factoid"


@pytest.mark.parametrize(
    "question, name, topic, sides",
    [
        ("What did the articles say about Google in 2005?", "overview", "Google", []),
        ("What happened last week?", "timeline", "", []),
        ("What happened in March 2005?", "timeline", "", []),
        ("What happened to Yukos since January?", "timeline", "Yukos", []),
        ("Compare Apple and Sony in 2005", "comparison", "", ["Apple", "Sony"]),
        ("Who won in 2005?", "factoid", "", []),
    ],
)
def test_the_time_expression_is_a_filter_not_part_of_the_topic(question, name, topic, sides):
    from qa.answering.question.kinds import with_time
    from qa.answering.retrieval.timefilter import plan_time

    manifest = {"a": {"published": "2005-03-31"}}
    kind = with_time(classify(question, []), question, plan_time(question, None, manifest))
    assert (kind.name, kind.topic, kind.sides) == (name, topic, sides)
