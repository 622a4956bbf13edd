"""Markdown written into an article stays characters in a real browser: an article's
[link](…) and ![](…) are quoted into the answer as text, and the page loads nothing from
another host (issue 20, item 1)."""

import pytest
from test_web import _ask, _wait, browser, start_app  # noqa: F401 (browser: a fixture)

PLANTED = "[the official ferry site](http://evil.example/login) ![](http://evil.example/track.png)"
ARTICLE = f"""Lindholm ferry service resumes

The ferry service to Lindholm island resumes on Monday after a two-month break, the harbour
authority said.

Tickets for the Lindholm ferry can be bought at {PLANTED} or at the harbour kiosk.

The crossing takes forty minutes and the first boat leaves at seven in the morning.
"""


@pytest.mark.browser
def test_article_markdown_is_quoted_as_text_and_nothing_loads_from_elsewhere(
    tmp_path,
    browser,  # noqa: F811
):
    from selenium.webdriver.common.by import By

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lindholm-ferry.txt").write_text(ARTICLE, encoding="utf-8")
    for url, _ in start_app(tmp_path):
        browser.get(url)
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-question textarea"))
        _ask(browser, "Where can tickets for the Lindholm ferry be bought?")

        def answered(d):
            bots = d.find_elements(By.CSS_SELECTOR, "#qa-chat [data-testid='bot']")
            return bots and "harbour kiosk" in bots[-1].text and bots[-1]

        bubble = _wait(browser, answered)
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-sources mark"))
        # The brackets, parentheses and '!' show as the characters they are.
        assert PLANTED in bubble.text, bubble.text
        assert PLANTED in browser.find_element(By.ID, "qa-sources").text
        # No link to that host, no image from it, anywhere on the page.
        found = browser.execute_script(
            "return [...document.querySelectorAll('a[href], img[src], [srcset], iframe')]"
            ".map(e => e.outerHTML).filter(h => h.includes('evil.example'))"
        )
        assert found == []
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert [n for n in loaded if not n.startswith(url)] == []
        # The second wall: an image from another host, were one ever rendered, is refused.
        refused = browser.execute_async_script(
            "const done = arguments[0];"
            "document.addEventListener('securitypolicyviolation', e => done(e.blockedURI));"
            "const img = document.createElement('img');"
            "img.src = 'http://evil.example/planted.png'; document.body.appendChild(img);"
            "setTimeout(() => done(''), 20000);"
        )
        assert "evil.example" in refused
