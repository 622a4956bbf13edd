"""Time expressions in questions -> published-date windows (pure, table-tested)."""

import datetime as dt

import pytest

from qa.text.timeexpr import parse

NOW = dt.date(2005, 6, 15)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "date_from", "date_to"),
    [
        ("What happened to Yukos in 2004?", "2004-01-01", "2004-12-31"),
        ("Which films won during 2005?", "2005-01-01", "2005-12-31"),
        ("What did Blair say in March 2005?", "2005-03-01", "2005-03-31"),
        ("What did Blair say in Feb. 2004?", "2004-02-01", "2004-02-29"),
        ("Profits in September 2004", "2004-09-01", "2004-09-30"),
        ("What happened in March?", "2005-03-01", "2005-03-31"),  # latest March
        ("What happened in August?", "2004-08-01", "2004-08-31"),  # not yet this year
        ("What has changed since March?", "2005-03-01", ""),
        ("What has changed since 2004?", "2004-01-01", ""),
        ("Anything after 2004?", "2005-01-01", ""),
        ("Anything after March 2005?", "2005-04-01", ""),
        ("What was said before 2005?", "", "2004-12-31"),
        ("What was said before April 2005?", "", "2005-03-31"),
        ("What happened until May 2005?", "", "2005-05-31"),
        ("Sales between January and March 2005", "2005-01-01", "2005-03-31"),
        ("Sales from 2004 to 2005", "2004-01-01", "2005-12-31"),
        ("What happened today?", "2005-06-15", "2005-06-15"),
        ("What happened yesterday?", "2005-06-14", "2005-06-14"),
        ("What happened this week?", "2005-06-13", "2005-06-15"),
        ("What happened last week?", "2005-06-06", "2005-06-12"),
        ("What happened this month?", "2005-06-01", "2005-06-15"),
        ("What happened last month?", "2005-05-01", "2005-05-31"),
        ("What happened this year?", "2005-01-01", "2005-06-15"),
        ("What happened last year?", "2004-01-01", "2004-12-31"),
        ("What happened in the past week?", "2005-06-08", "2005-06-15"),
        ("What happened in the last month?", "2005-05-15", "2005-06-15"),
        ("What happened over the past year?", "2004-06-15", "2005-06-15"),
        ("What happened in the last 10 days?", "2005-06-05", "2005-06-15"),
        ("What happened in the past 3 months?", "2005-03-15", "2005-06-15"),
        ("What happened in the last 2 years?", "2003-06-15", "2005-06-15"),
    ],
)
def test_windows(question, date_from, date_to):
    window = parse(question, NOW)
    assert (window.date_from, window.date_to) == (date_from, date_to)
    assert window.matched and window.matched in question  # as written, for the notes


@pytest.mark.parametrize(
    "question",
    [
        "What is the latest on Yukos?",
        "What are the most recent figures?",
        "Who is the current chancellor?",
        "What has Apple done recently?",
    ],
)
def test_recency_without_a_window(question):
    window = parse(question, NOW)
    assert window.prefer_recent and not window.is_window


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2005 award?",  # a year as an adjective is not a window
        "How much did the firm earn?",
        "Who may lead the party?",
        "What did the March of Dimes say?",
        "How many people were at the event before the election?",  # events: not resolved
    ],
)
def test_no_window(question):
    window = parse(question, NOW)
    assert not window.is_window and not window.prefer_recent


def test_latest_with_a_window_keeps_both():
    window = parse("What is the latest news in 2005?", NOW)
    assert window.prefer_recent and window.date_from == "2005-01-01"


def test_describe():
    assert parse("in 2005", NOW).describe() == "2005-01-01 to 2005-12-31"
    assert parse("since March", NOW).describe() == "from 2005-03-01"
    assert parse("before 2005", NOW).describe() == "until 2004-12-31"
