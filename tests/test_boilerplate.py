"""Page boilerplate is blanked at load (same length), never indexed nor shown."""

import pytest
from helpers import HTML_ARTICLE

from qa.indexing.chunking import chunk_article
from qa.indexing.corpus import load_corpus
from qa.text.boilerplate import blank_boilerplate, is_boilerplate
from qa.text.sentences import sentence_spans


@pytest.mark.parametrize(
    "line",
    [
        "Updated on",
        "Updated on March 3, 2016 at 10:00 am",
        "Posted on Monday, 12 May 2015",
        "Leave a Comment",
        "3 Comments",
        "By Ann Writer",
        "By Ann Writer, Reuters",
        "Share this article",
        "Share on Facebook, Twitter",
        "Follow us on Twitter",
        "Sign up for our newsletter",
        "Advertisement",
    ],
)
def test_boilerplate_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "A mutual enemy",
        "Kabul looking for new friends",
        "By 2010 sales had doubled.",
        "Updated figures show growth slowed in the third quarter of the year.",
        "Share prices fell sharply on Monday after the announcement.",
        "Comments by the minister angered the opposition.",
    ],
)
def test_article_lines_are_kept(line):
    assert not is_boilerplate(line)


def test_blanking_keeps_length_and_the_title():
    text = "By Ann Writer\nUpdated on\n\nThe council met.\nShare this article\n"
    out = blank_boilerplate(text, keep_first_line=True)
    assert len(out) == len(text)
    assert out.startswith("By Ann Writer\n")  # the first line is the title
    assert "Updated" not in out and "Share" not in out and "The council met." in out
    assert [out[s:e] for s, e in sentence_spans(out)] == ["By Ann Writer", "The council met."]


def test_no_boilerplate_in_chunks_of_txt_and_html(tmp_path, embedder):
    (tmp_path / "a.txt").write_text(
        "Bridge reopens\n\nBy Ann Writer\nUpdated on 5 March 2024\n\n"
        "The bridge reopened on Tuesday after repairs.\n\nShare this article\nLeave a Comment"
    )
    page = HTML_ARTICLE.replace(
        "<p>The mayor", "<p>Updated on 5 March 2024</p><p>Leave a Comment</p><p>The mayor"
    )
    (tmp_path / "b.html").write_text(page)
    articles = load_corpus(tmp_path).articles
    assert len(articles) == 2
    for article in articles:
        chunks = chunk_article(article, embedder.count_tokens, 128, 0)
        text = " ".join(c.text for c in chunks)
        for furniture in ("Updated on", "Leave a Comment", "By Ann Writer", "Share this"):
            assert furniture not in text, (article.id, furniture)
        for c in chunks:
            assert article.text[c.start : c.end] == c.text
    assert "reopened on Tuesday" in articles[0].text
