"""The page a reader meets (issue 21): at 1366x768 the question box, Ask and the example
questions are on the first screen with the count of indexed articles; one way to start a
new conversation; the sidebar's controls; the feedback box; and the Articles tab, whose
rows open their article and whose search reads the articles' text. Screenshots go to
.qa/screenshots/ (ignored by git)."""

import shutil

import pytest
from conftest import BBC, ROOT, SEED
from selenium.webdriver.common.keys import Keys
from test_chat_web import _by_css, _listed, _open_this_conversation
from test_chat_web import browser as browser  # the fixture
from test_web import _ask, _tab, _wait, start_app

SHOTS = ROOT / ".qa" / "screenshots"
MATVIENKO = "Who is the speaker of Russia's upper house?"
ISAF = "When did ISAF combat operations end?"
LONG_TITLE = (
    "Russia's upper house speaker meets the Afghan speaker to talk about free weapons, "
    "ammunition and helicopters"
)


def _on_first_screen(driver, selector: str) -> bool:
    """Every element ``selector`` names is shown inside the window, unscrolled."""
    return driver.execute_script(
        "const found = [...document.querySelectorAll(arguments[0])];"
        "return found.length > 0 && found.every(e => { const r = e.getBoundingClientRect();"
        "  return e.offsetParent !== null && r.top >= 0 && r.bottom <= window.innerHeight; })",
        selector,
    )


def _text(driver, selector: str) -> str:
    return " ".join(e.text for e in _by_css(driver, selector))


def _shown(driver, selector: str) -> bool:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null",
        selector,
    )


def _bots(driver):
    return _by_css(driver, "#qa-chat [data-testid='bot']")


def _answered(driver, n: int, text: str):
    _wait(driver, lambda d: len(_bots(d)) == n and text in _bots(d)[-1].text)


def _title_box(driver):
    return _by_css(driver, "#qa-title input, #qa-title textarea")[0]


def _enabled(driver, elem_id: str) -> bool:
    return driver.execute_script(
        "const b = document.getElementById(arguments[0]);"
        "return !!b && !b.disabled && b.getAttribute('aria-disabled') !== 'true'",
        elem_id,
    )


@pytest.mark.browser
def test_first_screen_new_conversations_feedback_and_sidebar(tmp_path, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1366, 768)  # the most common laptop screen
    for url, _ in start_app(tmp_path, QA_ABSTAIN_THRESHOLD="0.3"):
        browser.get(url)
        # 1. The first screen: how many articles, the question box, Ask and the examples,
        # without scrolling (the window's own bars leave less than 768 pixels).
        _wait(browser, lambda d: "1 article indexed" in _text(d, "#qa-header"))
        examples = _wait(
            browser, lambda d: [b for b in _by_css(d, "#qa-examples button") if b.text]
        )
        assert len(examples) == 4
        assert browser.execute_script("return window.innerHeight") <= 768
        assert browser.execute_script("return window.scrollY") == 0
        shown = ("#qa-question textarea", "#qa-ask", "#qa-header", "#qa-examples button")
        for selector in shown:
            assert _on_first_screen(browser, selector), selector
        browser.save_screenshot(str(SHOTS / "first-screen-1366x768.png"))
        # One "New conversation" button on the page.
        news = browser.execute_script(
            "return [...document.querySelectorAll('button')]"
            ".filter(b => b.offsetParent && /new conversation/i.test(b.innerText)).length"
        )
        assert news == 1
        # 2. Nothing chosen: no title, nothing to delete; the empty list says so.
        assert "No saved conversations yet" in _text(browser, "#qa-conversations-empty")
        _open_this_conversation(browser)
        assert _title_box(browser).get_attribute("value") == ""
        assert not _enabled(browser, "qa-delete")

        # 3. A question: the title shows it, Delete is enabled.
        _ask(browser, MATVIENKO)
        _answered(browser, 1, "Valentina Matvienko")
        _wait(browser, lambda d: _listed(d) == [MATVIENKO])
        _wait(browser, lambda d: _title_box(d).get_attribute("value") == MATVIENKO)
        _wait(browser, lambda d: _enabled(d, "qa-delete"))

        # 4. Feedback: words, no emoji (offline there is no emoji font); buttons that look
        # like buttons; the box closes once the correction is saved.
        _by_css(browser, "#qa-chat button[aria-label='Like']")[-1].click()
        _wait(browser, lambda d: _shown(d, "#qa-feedback") and "Thanks" in _text(d, "#qa-feedback"))
        note = _text(browser, "#qa-feedback-note")
        assert note.startswith("Thanks") and all(ord(c) < 0x2000 or c in "“”’…" for c in note)
        for button in ("qa-save", "qa-dont-say"):
            border = browser.execute_script(
                "const s = getComputedStyle(document.getElementById(arguments[0]));"
                "return [s.borderTopStyle, parseFloat(s.borderTopWidth)]",
                button,
            )
            assert border[0] != "none" and border[1] > 0, (button, border)
        browser.save_screenshot(str(SHOTS / "feedback-box.png"))
        box = _by_css(browser, "#qa-correction input, #qa-correction textarea")[0]
        box.send_keys("Valentina Matvienko")
        browser.find_element("id", "qa-save").click()
        saved = "Saved: the answer is “Valentina Matvienko”"
        _wait(browser, lambda d, s=saved: s in _text(d, "#qa-notice"))
        _wait(browser, lambda d: not _shown(d, "#qa-feedback"))

        # 5. A long title ends in an ellipsis and shows whole on hover.
        title = _title_box(browser)
        title.clear()
        title.send_keys(LONG_TITLE)
        browser.find_element("id", "qa-rename").click()
        _wait(browser, lambda d: _listed(d) == [LONG_TITLE])
        label = _wait(
            browser,
            lambda d: next(
                (e for e in _by_css(d, "#qa-conversations label") if e.get_attribute("title")),
                None,
            ),
        )
        assert label.get_attribute("title") == LONG_TITLE
        cut = browser.execute_script(
            "const s = document.querySelector('#qa-conversations label > span');"
            "return [getComputedStyle(s).textOverflow, s.scrollWidth > s.clientWidth]"
        )
        assert cut == ["ellipsis", True]
        # A search with no hits says so.
        search = _by_css(browser, "#qa-search input, #qa-search textarea")[0]
        search.send_keys("zebra crossing")
        _wait(
            browser,
            lambda d: "No conversation matches “zebra crossing”" in _text(d, "#qa-sidebar"),
        )
        assert _listed(browser) == []
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACK_SPACE)  # (clear() fires no input event)
        search.send_keys(" ")
        _wait(browser, lambda d: _listed(d) == [LONG_TITLE])
        browser.save_screenshot(str(SHOTS / "sidebar-long-title.png"))

        # 6. Delete asks first, and Cancel keeps the conversation.
        browser.find_element("id", "qa-delete").click()
        _wait(browser, lambda d: _shown(d, "#qa-confirm-delete"))
        browser.find_element("id", "qa-cancel-delete").click()
        _wait(browser, lambda d: not _shown(d, "#qa-confirm-delete"))
        assert _listed(browser) == [LONG_TITLE]

        # 7. The chat's trash icon starts a new conversation, as the button does: the
        # next question is a conversation of its own, and the first one is kept.
        clear = browser.execute_script(
            "return [...document.querySelectorAll('#qa-chat button')]"
            ".find(b => /clear/i.test(b.getAttribute('aria-label') || b.title || ''))"
        )
        clear.click()
        _wait(browser, lambda d: not _bots(d))
        _wait(browser, lambda d: _title_box(d).get_attribute("value") == "")
        _wait(browser, lambda d: not _enabled(d, "qa-delete"))
        _ask(browser, ISAF)
        _answered(browser, 1, "December 31, 2014")
        _wait(browser, lambda d: _listed(d) == [ISAF, LONG_TITLE])

        # 8. Reloaded, the sidebar lists both once the page is there.
        browser.get(url)
        _wait(browser, lambda d: _by_css(d, "#qa-question textarea"))
        _wait(browser, lambda d: _listed(d) == [ISAF, LONG_TITLE])
        assert not _bots(browser)


def _count(driver) -> str:
    return _text(driver, "#qa-article-count")


@pytest.mark.browser
def test_articles_tab_rows_open_the_article_search_reads_the_text(tmp_path, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1366, 768)
    corpus = tmp_path / "corpus"
    # Google is in one title and in the text of three other articles; two never name it.
    for name in ("tech/010", "tech/020", "tech/053", "tech/065", "tech/001", "sport/001"):
        (corpus / name.split("/")[0]).mkdir(parents=True, exist_ok=True)
        shutil.copy(BBC / f"{name}.txt", corpus / f"{name}.txt")
    shutil.copy(SEED, corpus / SEED.name)
    for url, _ in start_app(tmp_path, seed=False):
        browser.get(url)
        _wait(browser, lambda d: "7 articles indexed" in _text(d, "#qa-header"))
        _tab(browser, "Articles")
        _wait(browser, lambda d: "Articles 1–7 of 7" in _count(d))

        # 1. The search finds the word in the text, not only in titles (titles first).
        search = _by_css(browser, "#qa-article-search input, #qa-article-search textarea")[0]
        search.send_keys("Google")
        _wait(browser, lambda d: "of 4 matching (7 indexed)" in _count(d))
        rows = [r.text for r in _by_css(browser, "#qa-articles [role='row'].virtual-row")]
        assert rows[0].startswith("Google's toolbar sparks concern"), rows
        table = browser.find_element("id", "qa-articles").text
        assert "Microsoft launches its own search" in table and "Ink helps" not in table

        # 2. A row opens its article, as a source card does.
        cell = next(
            c
            for c in _by_css(browser, "#qa-articles [role='gridcell']")
            if c.text.startswith("Microsoft launches its own search")
        )
        cell.click()
        reader = _wait(
            browser,
            lambda d: next(
                (r for r in _by_css(d, "#qa-article-reader .qa-reader") if r.is_displayed()),
                None,
            ),
        )
        _wait(browser, lambda d, r=reader: "Microsoft launches its own search" in r.text)
        assert "tech/053" in reader.text and "MSN search site" in reader.text  # the text
        _wait(browser, lambda d: _on_first_screen(d, "#qa-article-reader h3"))
        browser.save_screenshot(str(SHOTS / "articles-tab-opened-article.png"))
        browser.find_element("id", "qa-article-close").click()
        _wait(browser, lambda d: not _shown(d, "#qa-article-box"))

        # 3. A date filter on articles without dates says why nothing matches.
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACK_SPACE)
        _wait(browser, lambda d: "Articles 1–7 of 7" in _count(d))
        _by_css(browser, "#qa-from input, #qa-from textarea")[0].send_keys("2005-01-01")
        _wait(browser, lambda d: "No article matches (7 indexed)" in _count(d))
        assert "none of the articles has a published date" in _count(browser)
        browser.save_screenshot(str(SHOTS / "articles-tab-undated.png"))


def test_the_sidebar_and_the_count_are_filled_outside_the_queue(settings_for, corpus, embedder):
    """The page's first events: the conversations list and the article count come in a
    plain request as the page appears, not after the queued ones (examples, list)."""
    from qa.answering.service import build_assistant
    from qa.app.web.blocks import build_ui

    demo = build_ui(build_assistant(settings_for(corpus), sync=True))
    ids = {"qa-conversations": None, "qa-header": None}
    for block_id, block in demo.blocks.items():
        if getattr(block, "elem_id", None) in ids:
            ids[block.elem_id] = block_id
    loads = [f for f in demo.fns.values() if any(t[1] == "load" for t in f.targets)]
    for elem_id, block_id in ids.items():
        filling = [f for f in loads if block_id in [o._id for o in f.outputs]]
        assert filling and all(f.queue is False for f in filling), elem_id
