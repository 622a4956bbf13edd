"""The Articles tab's list: search, category and date filters, paging, duplicates."""

from qa.app.articles.listing import (
    ALL_CATEGORIES,
    article_rows,
    categories,
    count_text,
    filter_rows,
    indexed_text,
    page_of,
    retrieval_filters,
    undated_note,
)


def manifest(n_sport=120):
    m = {
        f"sport/{i:03d}": {
            "title": f"Match {i}",
            "chunks": 3,
            "fingerprint": f"s{i}",
            "path": f"sport/{i:03d}.txt",
        }
        for i in range(n_sport)
    }
    m["sport/dup"] = {**m["sport/001"], "path": "sport/dup.txt"}  # the same article twice
    m["business/001"] = {
        "title": "Profits jump",
        "published": "2005-02-01",
        "chunks": 5,
        "fingerprint": "b1",
        "path": "business/001.txt",
    }
    m["seed"] = {
        "title": "Russia promises weapons",
        "published": "2016-01-05",
        "chunks": 8,
        "fingerprint": "x",
        "path": "seed.txt",
    }
    return m


def test_rows_count_duplicates_and_categories():
    rows = article_rows(manifest())
    by_id = {r.id: r for r in rows}
    assert by_id["sport/001"].duplicates == 1 and by_id["sport/dup"].duplicates == 1
    assert by_id["sport/002"].duplicates == 0
    near = manifest()
    for aid in ("sport/002", "sport/003", "sport/004"):  # near-duplicates (sync)
        near[aid]["duplicate_group"] = "sport/002"
    by_id = {r.id: r for r in article_rows(near)}
    assert [by_id[f"sport/00{i}"].duplicates for i in (2, 3, 4, 5)] == [2, 2, 2, 0]
    assert categories(rows) == [ALL_CATEGORIES, "(top level)", "business", "sport"]


def test_search_category_dates_and_pages():
    rows = article_rows(manifest())
    assert [r.id for r in filter_rows(rows, "profits JUMP")] == ["business/001"]
    assert len(filter_rows(rows, category="sport")) == 121
    assert [r.id for r in filter_rows(rows, date_from="2010-01-01")] == ["seed"]
    assert [r.id for r in filter_rows(rows, date_to="2010-01-01")] == ["business/001"]
    found = filter_rows(rows, category="sport")
    shown, page, pages = page_of(found, 3)
    assert (len(shown), page, pages) == (21, 3, 3)
    assert page_of(found, 99)[1] == 3 and page_of(found, 0)[1] == 1
    assert count_text(shown, 121, 123, 3, 3) == (
        "Articles 101–121 of 121 matching (123 indexed) · page 3 of 3"
    )
    assert count_text([], 0, 0, 1, 1) == "No articles indexed yet."


def test_the_chat_filter_follows_the_category_and_dates():
    rows = article_rows(manifest())
    f = retrieval_filters(rows, "", "business", "2005-01-01", "")
    assert f.articles == ["business/001"] and f.date_from == "2005-01-01"
    assert retrieval_filters(rows, "seed", "business").articles == ["\x00none"]
    assert retrieval_filters(rows, "seed", ALL_CATEGORIES).articles == ["seed"]
    assert retrieval_filters(rows).articles == []


def test_the_search_finds_words_in_the_text_after_the_titles():
    rows = article_rows(manifest())
    mentions = {"seed", "sport/007", "business/001"}  # the index: their text has the words
    found = [r.id for r in filter_rows(rows, "profits", mentions=mentions)]
    assert found == ["business/001", "seed", "sport/007"]  # the title's match first
    assert [r.id for r in filter_rows(rows, "profits", "sport", mentions=mentions)] == ["sport/007"]
    assert filter_rows(rows, "nowhere", mentions=set()) == []


def test_a_date_filter_says_why_it_leaves_articles_out():
    rows = article_rows(manifest())
    sport = filter_rows(rows, category="sport")  # none of them dated
    why = undated_note(sport, "2005-01-01", "")
    assert "none of the articles has a published date" in why
    assert count_text([], 0, 123, 1, 1, why) == f"No article matches (123 indexed): {why}."
    some = undated_note(rows, "2005-01-01")
    assert some == "121 without a published date left out by the date filter"
    assert undated_note(rows) == "" and undated_note(sport[:0], "2005-01-01") == ""
    assert indexed_text(1) == "1 article indexed" and indexed_text(2225) == "2,225 articles indexed"
