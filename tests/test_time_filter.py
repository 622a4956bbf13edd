"""Time expressions in questions filter a small dated corpus the test writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from qa.answering.retrieval.hybrid import Filters
from qa.answering.retrieval.timefilter import (
    count_undated,
    newest_date,
    plan_time,
    recent_first,
    without_words,
)
from qa.types import Passage

PROFITS = {  # article id -> (published, profit in millions, what else the article says)
    "acme-2004": ("2004-06-01", 10, "The firm opened a new factory in Leeds last spring."),
    "acme-2005-03": ("2005-03-10", 20, "Its chairman retired after twenty years in charge."),
    "acme-2005-05": ("2005-05-20", 30, "Exports to China doubled thanks to a new contract."),
    "acme-2005-06": ("2005-06-10", 40, "A strike at the Glasgow plant was settled in days."),
    "acme-undated": ("", 50, "The company moved its headquarters to Bristol."),
}


def _write(folder, aid, published, millions, news):
    front = (
        f"---\ntitle: Acme Corp results {aid}\npublished: {published}\n---\n" if published else ""
    )
    title = "" if published else f"Acme Corp results {aid}\n\n"
    body = f"Acme Corp reported a profit of {millions} million pounds for the period. {news}\n"
    (folder / f"{aid}.txt").write_text(front + title + body, encoding="utf-8")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder):
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("dated")
    corpus = root / "corpus"
    corpus.mkdir()
    for aid, (published, millions, news) in PROFITS.items():
        _write(corpus, aid, published, millions, news)
    (corpus / "weather.txt").write_text(
        "---\ntitle: Storms hit the coast\npublished: 2005-06-01\n---\n"
        "Heavy storms hit the coast of Cornwall, closing roads and schools.\n",
        encoding="utf-8",
    )
    settings = Settings(corpus_dir=corpus, data_dir=root / "data", _env_file=None)
    return build_assistant(settings, sync=True)


def cited(answer) -> set[str]:
    return {c.article for c in answer.citations}


def used(answer) -> set[str]:
    return {p.article for p in answer.passages}


def test_in_a_year_keeps_that_year_and_counts_the_undated(assistant):
    answer = assistant.ask("How much profit did Acme Corp report in 2004?")
    assert used(answer) == {"acme-2004"}
    assert cited(answer) <= {"acme-2004"}
    assert answer.excluded_undated == 1
    data = answer.to_dict()
    assert data["excluded_undated"] == 1
    assert any("1 article without a published date" in n for n in data["notes"])
    assert any("2004-01-01 to 2004-12-31" in n for n in data["notes"])
    from qa.app.api.openai_api import completion  # the OpenAI-compatible reply says it too

    reply = completion(answer, "news-qa")
    assert reply["excluded_undated"] == 1 and reply["notes"] == data["notes"]


def test_the_reader_reads_the_question_without_the_time_words_the_search_applied(assistant):
    """The articles searched are all from 2004 and their text need not say so: asked with
    "in 2004", the missing year made the reader doubt (P(answerable) 0.27, refused)."""
    answer = assistant.ask("How much profit did Acme Corp report in 2004?")
    assert not answer.abstained
    assert "10 million" in answer.short_answer
    assert without_words("How much profit did Acme report in 2004?", "in 2004") == (
        "How much profit did Acme report?"
    )
    assert without_words("In March 2005, who retired?", "In March 2005") == "who retired?"
    assert without_words("Who retired, in 2005?", "in 2005") == "Who retired?"
    assert without_words("In 2004?", "In 2004") == "In 2004?"  # nothing left: as asked
    assert without_words("Who retired?", "") == "Who retired?"


def test_last_month_is_relative_to_the_newest_article(assistant):
    # the newest article is 2005-06-10, so "last month" is May 2005
    answer = assistant.ask("What profit did Acme Corp report last month?")
    assert used(answer) == {"acme-2005-05"}
    assert cited(answer) <= {"acme-2005-05"}
    assert answer.excluded_undated == 1
    assert any("2005-06-10" in n for n in answer.notes)


def test_since_march(assistant):
    answer = assistant.ask("What profits has Acme Corp reported since March?")
    assert used(answer) <= {"acme-2005-03", "acme-2005-05", "acme-2005-06", "weather"}
    assert {"acme-2005-03", "acme-2005-05", "acme-2005-06"} <= used(answer)
    assert cited(answer) <= used(answer)
    assert answer.excluded_undated == 1


def test_latest_prefers_the_newest_articles(assistant):
    answer = assistant.ask("What is the latest profit reported by Acme Corp?")
    assert used(answer) == {"acme-2005-06"}  # within 7 days of the newest relevant one
    assert cited(answer) <= {"acme-2005-06"}
    assert answer.excluded_undated == 0  # not a filter: no window
    assert any("1 relevant article without a published date" in n for n in answer.notes)


def test_an_explicit_range_wins_over_the_question(assistant):
    filters = Filters(date_from="2005-03-01", date_to="2005-03-31")
    answer = assistant.ask("How much profit did Acme Corp report in 2004?", filters=filters)
    assert used(answer) == {"acme-2005-03"}
    assert any("The date range you set was used" in n for n in answer.notes)


def test_no_time_expression_searches_everything(assistant):
    answer = assistant.ask("How much profit did Acme Corp report?")
    assert "acme-undated" in used(answer)
    assert answer.excluded_undated == 0 and answer.notes == []


# -- pure parts -------------------------------------------------------------------------

MANIFEST = {
    "a": {"published": "2005-01-02"},
    "b": {"published": "2005-03-04"},
    "c": {"published": ""},
    "d": {},
}


def test_newest_date_and_undated_count():
    assert newest_date(MANIFEST) == "2005-03-04"
    assert newest_date({"x": {}}) == ""
    assert count_undated(MANIFEST) == 2
    assert count_undated(MANIFEST, ["a", "c"]) == 1


def test_a_window_is_not_applied_when_no_article_has_a_date():
    plan = plan_time("What happened in 2005?", None, {"x": {}, "y": {}}, dt.date(2020, 1, 1))
    assert not plan.filters.date_from and not plan.filters.date_to
    assert plan.excluded_undated == 0
    assert "could not be applied" in plan.notes[0]
    month = plan_time("What did Blair say in March 2005?", None, MANIFEST)
    assert "(from “in March 2005”)" in month.notes[0]  # quoted as written


def test_an_explicit_range_counts_the_undated_too():
    plan = plan_time("Anything?", Filters(date_from="2005-01-01"), MANIFEST)
    assert plan.excluded_undated == 2 and "2 articles without" in plan.notes[0]


def _p(aid, published, score):
    return Passage(aid, aid, aid, published, 0, 1, "x", score=score)


def test_recent_first_keeps_relevant_recent_passages_newest_first():
    passages = [
        _p("old", "2005-01-01", 0.030),
        _p("mid", "2005-05-15", 0.029),
        _p("undated", "", 0.029),
        _p("new", "2005-06-01", 0.028),
        _p("irrelevant-newer", "2005-06-05", 0.010),  # beyond the first 2k
    ]
    kept, undated = recent_first(passages, 2, 30)
    assert [p.article for p in kept] == ["new", "mid"]
    assert undated == 1
    assert recent_first([_p("u", "", 1.0)], 3, 30) == ([_p("u", "", 1.0)], 0)


def test_the_page_and_terminal_show_notes_and_dates(assistant):
    from rich.console import Console

    from qa.app.cli.terminal import print_answer
    from qa.app.web.page import chat_markdown, sources_html

    answer = assistant.ask("How much profit did Acme Corp report in 2004?")
    assert "without a published date" in chat_markdown(answer, 1)
    cards = sources_html(answer, 1)
    assert "2004-06-01" in cards
    answer.citations[0].published = ""
    assert "no date" in sources_html(answer, 1)
    console = Console(record=True, width=200)
    print_answer(answer, console)
    text = console.export_text()
    assert "without a published date" in text and "no date" in text
    answer.citations[0].also_in = ["feed/acme-2004"]
    assert "also in: feed/acme-2004" in sources_html(answer, 1)


def test_the_markdown_export_shows_notes_dates_and_copies(assistant):
    import datetime as dt

    from qa.app.records.conversations import Conversation, Message
    from qa.app.records.transcript import conversation_markdown

    answer = assistant.ask("How much profit did Acme Corp report in 2004?")
    answer.citations[0].also_in = ["feed/acme-2004"]
    answer.citations.append(replace(answer.citations[0], n=2, published=""))
    now = dt.datetime(2005, 6, 1)
    messages = [
        Message(0, "user", answer.question, None),
        Message(1, "assistant", answer.answer, answer),
    ]
    text = conversation_markdown(Conversation("c", "u", "Acme", now, now, messages))
    assert "_Only articles published 2004-01-01 to 2004-12-31" in text
    assert "2004-06-01 — article `acme-2004` (also in `feed/acme-2004`)" in text
    assert "no date — article" in text


def test_an_overview_in_a_year_covers_that_years_articles_only(assistant):
    answer = assistant.ask("What did the articles say about Acme Corp in 2005?")
    assert answer.kind == "overview"
    # (MMR may drop an article whose sentence nearly repeats another's: the profits do)
    assert len(cited(answer)) >= 2 and cited(answer) <= {
        "acme-2005-03",
        "acme-2005-05",
        "acme-2005-06",
    }
    dates = [g.published for g in answer.groups]
    assert dates == sorted(dates) and all(d.startswith("2005") for d in dates)
    assert answer.excluded_undated == 1 and answer.notes


def test_what_happened_in_a_period_lists_its_articles_in_date_order(assistant):
    answer = assistant.ask("What happened in June 2005?")
    assert answer.kind == "timeline"
    assert [(g.article, g.published) for g in answer.groups] == [
        ("weather", "2005-06-01"),
        ("acme-2005-06", "2005-06-10"),
    ]
    assert answer.answer.startswith("2 articles published in this period")
    assert any("Cornwall" in c.quote for c in answer.citations)
    # a period with no article falls back to the factoid path, which abstains
    empty = assistant.ask("What happened in January 2003?")
    assert empty.kind == "factoid" and empty.abstained
