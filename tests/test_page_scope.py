"""Issue 39, the page's own words checked without a browser: the time left of a sync, the
note under a refusal given inside a filter, the counts, and an article opened from a card
that holds several quotes (the browser tests show them on the page)."""

import re

from qa.app.articles.article_view import reader_html, spans_of
from qa.app.articles.listing import counted
from qa.app.web.scope import filter_note
from qa.app.web.startup import SyncStatus
from qa.indexing.corpus import Article


def _left(status: SyncStatus) -> int | None:
    found = re.search(r"about (?:(\d+) min )?(\d+) s left", status.banner())
    return None if found is None else int(found.group(1) or 0) * 60 + int(found.group(2))


def test_time_left_counts_down_while_the_count_stands_still(monkeypatch):
    """Point 3: "time left" grew from 21 s to 27 s while the count stood still (the rate
    was worked out afresh each second from a count that moves a batch at a time)."""
    clock = [1000.0]
    monkeypatch.setattr("qa.app.web.startup.time.monotonic", lambda: clock[0])
    status = SyncStatus(running=True, articles_total=300, started=1000.0)
    clock[0] = 1010.0
    status.record(stored=128, embedded=128, total=1280)  # 128 chunks in 10 s: 90 s left
    seen = []
    for _ in range(6):  # a slow batch: nothing stored, nothing embedded for 6 s
        seen.append(_left(status))
        clock[0] += 1
        status.record(stored=128, embedded=128, total=1280)
    assert seen == sorted(seen, reverse=True) and seen[0] == 90 and seen[-1] == 85
    clock[0] += 30  # still nothing: the clock runs down (84 s at the last report)
    assert _left(status) == 54
    clock[0] += 60
    assert "finishing" in status.banner() and "left" not in status.banner()
    status.record(stored=256, embedded=256, total=1280)  # the count moves: a new estimate
    assert _left(status) == 424 and "60 / 300 articles" in status.banner()  # 1,024 at 256/106 s
    status.chunks_done = status.chunks_total
    assert status.count_text() == "300 of 300 articles indexed so far"


def test_a_refusal_inside_a_filter_says_the_filter_may_be_why():
    """Point 5: a refusal with a category set did not say the filter may be why."""
    assert filter_note(300, 300, "", "(all categories)", "", "") == ""
    note = filter_note(300, 60, "", "sport", "", "")
    assert note == (
        "The filter may be why the articles don't say: the search covered only the 60 "
        "articles in “sport”. Clear it to search all 300 articles."
    )
    dated = filter_note(300, 60, "", "sport", "2005-01-01", "")
    assert "in “sport” and articles published from 2005-01-01" in dated
    assert "the article “tech/001”" in filter_note(300, 300, "tech/001", "", "", "")


def test_counts_say_one_chunk():
    """Point 6: "1 chunks embedded"."""
    assert [counted(n, "chunk") for n in (0, 1, 2, 1024)] == [
        "0 chunks",
        "1 chunk",
        "2 chunks",
        "1,024 chunks",
    ]


def test_the_article_opens_with_every_quote_of_the_card_marked():
    """Point 4: a card holding [1] and [2] opened the article with [1]'s sentence alone
    marked; now both are, the one asked for as the one brought into view."""
    text = "One. The first quote. Two. The second quote. Three."
    article = Article("a", "Title", text)
    first, second = (text.index(q) for q in ("The first quote.", "The second quote."))
    spans = spans_of(f"{first}-{first + 16},{second}-{second + 17},x-1,")
    assert spans == [(first, first + 16), (second, second + 17)]
    html = reader_html(article, second, second + 17, spans)
    assert "<mark>The first quote.</mark>" in html
    assert "<mark id='qa-cited'>The second quote.</mark>" in html
    assert html.count("<mark") == 2
