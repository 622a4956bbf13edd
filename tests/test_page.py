"""Page fragments: everything from articles or answers is escaped; markers link to sources."""

import re

from qa.app.web.page import CLOSEST_NOTE, chat_markdown, sources_html
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

    from qa.answering.llm.citations import verify_spans

    a = hostile_answer()
    verify_spans(a.citations, a.passages)
    a.citations[0].quote = "something else"
    with pytest.raises(ValueError, match="differs"):
        verify_spans(a.citations, a.passages)


def test_each_answer_links_to_its_own_cards():
    a = hostile_answer()
    assert "(#src-3-1)" in chat_markdown(a, turn=3)
    assert "id='src-3-1'" in sources_html(a, turn=3)
    assert "(#src-5-1)" in chat_markdown(a, turn=5) and "src-3-1" not in chat_markdown(a, 5)


def test_cards_carry_the_cited_span_for_the_reader():
    html = sources_html(hostile_answer(), turn=1)
    assert "data-article='art' data-start='107'" in html
    assert f"data-end='{107 + len(HOSTILE)}'" in html
    assert "Read the whole article" in html


def test_rewritten_follow_up_is_shown_small_and_escaped():
    a = hostile_answer()
    assert "Answering" not in chat_markdown(a)  # the question stood on its own
    a.question, a.standalone_question = "Who did <b>she</b> meet?", "Who did <b>she</b> meet? (x)"
    md = chat_markdown(a)
    assert md.endswith("<small>Answering: Who did &lt;b&gt;she&lt;/b&gt; meet? \\(x\\)</small>")


def test_abstention_says_where_the_passages_are():
    a = hostile_answer(abstained=True)
    a.answer = "The articles don't say. The closest passages are listed below."
    md = chat_markdown(a)
    assert "Sources panel" in md and "on the right" in md and "below" not in md.split("(")[0]


def test_a_refusal_marks_the_nearest_sentence_in_its_passage_escaped():
    a = hostile_answer(abstained=True)
    assert "<mark>" not in sources_html(a) and CLOSEST_NOTE not in sources_html(a)
    a.closest = Citation(0, "art", "<b>Title</b>", "", "c1", 107, 107 + len(HOSTILE), HOSTILE)
    html = sources_html(a)
    assert f"Intro. <mark class='qa-near' title='{CLOSEST_NOTE}'>Fees rise &lt;script&gt;" in html
    assert "<script>" not in html
    assert CLOSEST_NOTE in html and "[0]" not in html  # shown, never cited
    a.closest.article = "another"  # not in a shown passage: nothing marked
    assert "<mark>" not in sources_html(a)


def test_api_history_keeps_text_turns_only():
    from qa.app.web.page import api_history

    got = api_history(
        [
            {"role": "user", "content": "Who is X?"},
            {"role": "assistant", "content": "Y [1]"},
            {"role": "system", "content": "ignore"},
            {"role": "user", "content": ["parts"]},
            "junk",
        ]
    )
    assert got == [
        {"role": "user", "content": "Who is X?"},
        {"role": "assistant", "content": "Y [1]"},
    ]
    assert api_history(None) == []


def test_reader_shows_the_whole_article_escaped_with_the_span_marked():
    from qa.app.articles.article_view import reader_html
    from qa.indexing.corpus import Article

    text = "Title <i>\n\nFirst. " + HOSTILE + " Last."
    start = text.index("Fees")
    article = Article("a/b", "Title <i>", text, published="2024-01-02", url="javascript:alert(1)")
    out = reader_html(article, start, start + len(HOSTILE))
    assert "<script>" not in out and "<i>" not in out and "javascript:" not in out
    assert "<mark id='qa-cited'>Fees rise &lt;script&gt;" in out
    assert "First." in out and "Last." in out and "2024-01-02" in out
    out = reader_html(Article("a", "T", text, url="https://example.org/x?a=1&b=2"))
    assert "href='https://example.org/x?a=1&amp;b=2'" in out and "<mark" not in out
    assert "no longer in the corpus" in reader_html(None)


PLANTED = "[the official ferry site](http://evil.example/login) ![](http://evil.example/track.png)"


def _rendered(markdown: str) -> str:
    import markdown_it

    return markdown_it.MarkdownIt("commonmark").render(markdown)


def test_article_markdown_in_an_answer_stays_characters():
    """Issue 20 item 1: a link or image written into an article is quoted as text."""
    from dataclasses import replace

    from qa.types import Group

    a = hostile_answer()
    a.answer = f"“Tickets at {PLANTED}.” [1]"
    a.short_answer, a.short_answer_confident = PLANTED, True
    a.notes = [f"note {PLANTED}"]
    a.citations = [replace(a.citations[0], quote=PLANTED, title=PLANTED)]
    grouped = replace(a, backend="extractive", groups=[Group("art", PLANTED, citations=[1])])
    for md in (chat_markdown(a, turn=1), chat_markdown(grouped, turn=1)):
        html = _rendered(md)
        assert "evil.example" in html and "<img" not in html
        assert "http://evil" not in md  # a bare URL would be auto-linked (GFM)
        links = [h for h in html.split("<a ")[1:] if "evil" in h.split(">")[0]]
        assert links == [] and "#src-1-1" in html
        assert "[the official ferry site](http://evil.example/login)" in html


def test_api_answers_escape_article_markdown_and_keep_markers():
    from qa.text.markdown import escape_answer, unescape_markdown

    text = f"Tickets at {PLANTED} [1] and [2]: here"
    escaped = escape_answer(text)
    assert "[1]" in escaped and "[2]\\:" in escaped and "http://" not in escaped
    html = _rendered(escaped)
    assert "<a " not in html and "<img" not in html and PLANTED in html
    assert unescape_markdown(escaped, entities=False) == text


def test_a_question_shows_as_typed_and_reaches_the_engine_as_typed():
    """A suggested follow-up can carry an article's text: the chat shows it as characters."""
    from qa.app.web.chat_ui import chat_text, user_markdown

    question = f"What is {PLANTED}?"
    shown = user_markdown(question)
    assert "<a " not in _rendered(shown) and "<img" not in _rendered(shown)
    assert chat_text("user", shown) == question


def test_citations_of_one_article_with_overlapping_text_share_one_card():
    """Two cited sentences in overlapping chunks of one article: one card showing the
    union of the chunks once, both quotes marked, both [n] anchors on it; a citation of
    another article keeps its own card."""
    text = "First sentence here. Second sentence there. Third one follows. Fourth ends it."
    p1 = Passage("a:0", "a", "Story A", "", 0, 44, text[0:44])
    p2 = Passage("a:1", "a", "Story A", "", 21, 63, text[21:63])
    other = Passage("b:0", "b", "Story B", "", 0, 20, "Another story's text")
    cites = [
        Citation.of(1, p1, 0, 20, text[0:20]),
        Citation.of(2, p2, 44, 63, text[44:63]),
        Citation.of(3, other, 0, 20, "Another story's text"),
    ]
    answer = Answer("q?", "q?", "x [1] y [2] z [3]", citations=cites, passages=[p1, p2, other])
    html = sources_html(answer, turn=1)
    assert html.count("class='qa-source'") == 2
    assert html.count("Second sentence there.") == 1  # the overlap is shown once
    assert "<mark>First sentence here.</mark> Second sentence there. <mark>Third one" in html
    assert "id='src-1-1'" in html and "id='src-1-2'" in html and "id='src-1-3'" in html
    headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h4>(.*?)</h4>", html)]
    assert headings == ["[1] [2] Story A", "[3] Story B"]
    # each [n] of a shared card carries its own quote's span; the card all of them
    assert "data-n='2' data-start='44' data-end='63'" in html
    assert "data-spans='0-20,44-63'" in html
    # the abstention's closest passages: overlapping chunks of one article, one card
    closest = Answer("q?", "q?", "", abstained=True, passages=[p1, p2, other])
    html = sources_html(closest, turn=1)
    assert html.count("class='qa-source'") == 2 and html.count("Second sentence there.") == 1
