"""The Articles tab as a searchable, paged list with the category/date filter the chat
shares, and example questions built from a corpus without eval.jsonl."""

import shutil

import pytest
from conftest import bbc_files
from selenium.webdriver.common.keys import Keys
from test_chat_web import _by_css
from test_chat_web import browser as browser  # the fixture
from test_page_web import _choose
from test_web import SCREENSHOTS, _ask, _tab, _wait, start_app


def _count(driver) -> str:
    return " ".join(e.text for e in _by_css(driver, "#qa-article-count"))


@pytest.mark.browser
def test_articles_list_search_pages_and_shared_filter(tmp_path, browser):
    corpus = tmp_path / "corpus"
    for topic, path in bbc_files(120):
        (corpus / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, corpus / topic / path.name)
    env = {"QA_ABSTAIN_THRESHOLD": "0.3"}
    for url, _ in start_app(tmp_path, seed=False, **env):
        SCREENSHOTS.mkdir(exist_ok=True)
        browser.get(url)
        _wait(browser, lambda d: _by_css(d, "#qa-question textarea"))
        # No eval.jsonl: example questions are built from the articles (and answered).
        examples = _wait(
            browser, lambda d: [b.text for b in _by_css(d, "#qa-examples button") if b.text]
        )
        assert 1 <= len(examples) <= 4 and all(q.endswith("?") for q in examples)
        browser.save_screenshot(str(SCREENSHOTS / "articles-0-examples.png"))

        _tab(browser, "Articles")
        _wait(browser, lambda d: "Articles 1–50 of 120 · page 1 of 3" in _count(d))
        browser.find_element("id", "qa-next").click()
        _wait(browser, lambda d: "Articles 51–100 of 120 · page 2 of 3" in _count(d))
        search = _by_css(browser, "#qa-article-search input, #qa-article-search textarea")[0]
        search.send_keys("profit")
        _wait(browser, lambda d: "matching (120 indexed) · page 1 of 1" in _count(d))
        assert "Ad sales boost Time Warner profit" in browser.find_element("id", "qa-articles").text
        browser.save_screenshot(str(SCREENSHOTS / "articles-1-search.png"))
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACK_SPACE)  # (clear() fires no input event)
        _wait(browser, lambda d: "of 120 · page 1 of 3" in _count(d))
        _choose(browser, "qa-category", "sport")
        _wait(browser, lambda d: "of 24 matching (120 indexed)" in _count(d))
        table = browser.find_element("id", "qa-articles").text
        assert "sport/" in table and "business/" not in table
        browser.save_screenshot(str(SCREENSHOTS / "articles-2-category.png"))

        # The chat answers within the same category.
        _tab(browser, "Chat")
        _ask(browser, "How much did Time Warner's quarterly profits jump?")
        _wait(browser, lambda d: _by_css(d, "#qa-sources .qa-source"))
        meta = [e.text for e in _by_css(browser, "#qa-sources .qa-source .qa-meta")]
        assert meta and all("sport/" in m for m in meta), meta
