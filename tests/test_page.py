"""Page fragments: everything from articles or answers is escaped; markers link to sources."""

from qa.app.page import chat_markdown, sources_html
from qa.types import Answer, Citation, Passage

HOSTILE = 'Fees rise <script>alert(1)</script> now <img src=x onerror="alert(2)">.'


def hostile_answer(abstained=False) -> Answer:
    p = Passage(
        "c1",
        "art",
        "<b>Title</b>",
        "2024-01-02",
        100,
        100 + len("Intro. " + HOSTILE),
        "Intro. " + HOSTILE,
    )
    c = Citation(1, "art", "<b>Title</b>", "2024-01-02", "c1", 107, 107 + len(HOSTILE), HOSTILE)
    return Answer(
        "q",
        "q",
        f"“{HOSTILE}” [1]",
        abstained=abstained,
        citations=[] if abstained else [c],
        passages=[p],
    )


def test_sources_escape_article_text_and_highlight_the_quote():
    html = sources_html(hostile_answer())
    assert "<script>" not in html and "<img" not in html and "<b>Title" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    assert "<mark>Fees rise &lt;script&gt;" in html
    assert "id='src-1'" in html


def test_chat_message_escapes_and_links_markers():
    md = chat_markdown(hostile_answer())
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "[\\[1\\]](#src-1)" in md


def test_abstention_is_styled_apart():
    a = hostile_answer(abstained=True)
    a.answer = "The articles don't say."
    assert chat_markdown(a).startswith("⚠️")
    assert "qa-abstain" in sources_html(a)


def test_citation_spans_are_verified():
    import pytest

    from qa.answering.citations import verify_spans

    a = hostile_answer()
    verify_spans(a.citations, a.passages)
    a.citations[0].quote = "something else"
    with pytest.raises(ValueError, match="differs"):
        verify_spans(a.citations, a.passages)
