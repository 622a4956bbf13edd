"""Reported speech is marked by its speaker; a quoted sentence is not quoted twice."""

import pytest

from qa.answering.builders.speech import speaker_of, unwrap_double_quotes
from qa.app.web.page import chat_markdown, sources_html
from qa.types import Answer, Citation, Passage

MAY = (
    'The Shadow Secretary of State for the Family, Theresa May, said: "These plans were '
    'announced by Gordon Brown in his pre-budget review in December."'
)


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        (MAY, "Theresa May"),
        (
            '"Gordon Brown has failed," said Tory leader Michael Howard.',
            "Tory leader Michael Howard",
        ),
        ('"There is a detailed plan for the future," Mr Blair said.', "Mr Blair"),
        (
            "Carl Emmerson, from the Institute for Fiscal Studies, told BBC News: "
            '"He thinks everything will come out in the wash."',
            "Carl Emmerson",
        ),
        ("Mr Balls, a prospective Labour MP, said he was confident.", "Mr Balls"),
        (
            "Chancellor Gordon Brown has said he hopes to announce a deal.",
            "Chancellor Gordon Brown",
        ),
        (
            "After the meeting, Matvienko said that Moscow will keep working with Kabul.",
            "Matvienko",
        ),
        ("The fighters number 50,000, Sputnik International reports.", "Sputnik International"),
        ("The deal would save £3bn, according to the Treasury.", "the Treasury"),
        ("The chief engineer said the cables were replaced.", "the chief engineer"),
        ('"It will reopen on Monday," a spokesman said.', "a spokesman"),
        ('"We certainly did not see that before 2001," he said.', ""),  # a pronoun: nobody named
        ("He said the world has realized that terrorism is a global threat.", ""),
        ("Quarterly profits at TimeWarner jumped 76% to $1.13bn.", ""),
        # a time phrase or a pronoun is nobody: "(said by a couple of weeks ago I)" was shown
        ("A couple of weeks ago I said we would not sell the club.", ""),
        ("Last week he said the deal was off.", ""),
        ("On Monday, the minister said the talks would go on.", "the minister"),
        ("The company said profits would rise.", "the company"),
        ("The figures said little about the future.", ""),
        ("Russia has responded positively and has vowed to continue supplying weapons.", ""),
    ],
)
def test_speaker_of(sentence, speaker):
    assert speaker_of(sentence) == speaker


def test_a_sentence_opening_with_a_quotation_mark_is_not_quoted_again():
    text = '“"We have made a firm commitment," she said.” [1] “Plain words.” [2]'
    assert unwrap_double_quotes(text) == (
        '"We have made a firm commitment," she said. [1] “Plain words.” [2]'
    )


def _answer(quote: str) -> Answer:
    p = Passage("c1", "politics/001", "Labour plans", "", 0, len(quote), quote)
    c = Citation(1, "politics/001", "Labour plans", "", "c1", 0, len(quote), quote)
    return Answer(
        "What did Gordon Brown say?",
        "What did Gordon Brown say?",
        f"“{quote}” [1]",
        citations=[c],
        passages=[p],
    )


def test_the_page_marks_the_speaker_in_the_answer_and_its_card():
    answer = _answer(MAY)
    md = chat_markdown(answer, turn=1)
    assert "[\\[1\\]](#src-1-1) <small>(said by Theresa May)</small>" in md
    assert "Reported speech, said by Theresa May" in sources_html(answer, 1)
    plain = _answer("Quarterly profits at TimeWarner jumped 76% to $1.13bn.")
    assert "said by" not in chat_markdown(plain) and "said by" not in sources_html(plain)
    hostile = _answer('"Fine," said <b>Evil</b> Corp.')
    assert "<b>" not in chat_markdown(hostile) and "<b>" not in sources_html(hostile)


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        ("Sales rose.", "“Sales rose.”"),
        ('"We will win," he said.', '"We will win," he said.'),
        # a quotation that goes on in the next sentence is closed; one begun before, opened
        (
            '"That took me all the way through to 6-1 and I almost ran away with it.',
            '"That took me all the way through to 6-1 and I almost ran away with it."',
        ),
        (
            'But he came back, and that was a good effort on his side."',
            '"But he came back, and that was a good effort on his side."',
        ),
        ("“It was a hard match.", "“It was a hard match.”"),
        ("He left, they said.” Then", "“He left, they said.” Then"),
    ],
)
def test_every_quotation_mark_shown_has_its_pair(sentence, shown):
    from qa.answering.builders.extractive import quote

    assert quote(sentence) == shown
    assert quote(sentence).count('"') % 2 == 0
    assert quote(sentence).count("“") == quote(sentence).count("”")
