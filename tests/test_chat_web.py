"""The chat's memory in a real browser against the real app: saved conversations that
survive a restart, feedback, suggested follow-ups, the Markdown download, and two
users under QA_AUTH who do not see each other's conversations."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import SEED
from test_web import SCREENSHOTS, _ask, _wait, start_app

MATVIENKO = "Who is the speaker of Russia's upper house?"
ISAF = "When did ISAF combat operations end?"


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(chromium).exists() or not Path(driver_path).exists():
        pytest.fail("Debian's chromium and chromium-driver are needed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _by_css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def _listed(driver) -> list[str]:
    """The titles in the sidebar's list of conversations."""
    return driver.execute_script(  # read at once: the list re-renders while we look
        "return [...document.querySelectorAll('#qa-conversations label')]"
        ".map(e => e.innerText.trim()).filter(Boolean)"
    )


def _follow_ups(driver) -> list[str]:
    """The suggested follow-up questions shown under the chat."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#qa-follow-ups button')]"
        ".filter(b => b.offsetParent !== null).map(b => b.innerText.trim()).filter(Boolean)"
    )


def _open_this_conversation(driver):
    """Open the sidebar's "This conversation" section; returns its title box."""
    from selenium.common.exceptions import TimeoutException

    def title_box(d):
        boxes = [b for b in _by_css(d, "#qa-title input, #qa-title textarea") if b.is_displayed()]
        return boxes[0] if boxes else None

    for _ in range(3):  # a click that lands while the sidebar re-renders is lost
        if title_box(driver):
            break
        _by_css(driver, "#qa-this button")[0].click()
        try:
            return _wait(driver, title_box, timeout=30)
        except TimeoutException:
            continue
    return _wait(driver, title_box)


def _open_page(driver, url):
    driver.get(url)
    _wait(driver, lambda d: _by_css(d, "#qa-question textarea"))


def _login(driver, url, user, password):
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(url)
    fields = _wait(driver, lambda d: _by_css(d, "input[type=password]") and _by_css(d, "input"))
    fields[0].send_keys(user)
    fields[1].send_keys(password)
    driver.find_element(By.XPATH, "//button[contains(., 'Login')]").click()
    _wait(driver, lambda d: _by_css(d, "#qa-question textarea"))


def _answered(driver, text, n_answers):
    """Wait until the chat holds ``n_answers`` answers, the last one containing ``text``,
    and the turn is saved (the download button counts the questions then)."""
    from selenium.webdriver.common.by import By

    def ready(d):
        bubbles = _by_css(d, "#qa-chat [data-testid='bot']")
        return len(bubbles) == n_answers and text in bubbles[-1].text

    _wait(driver, ready)
    saved = f"({n_answers} question{'s' if n_answers > 1 else ''})"
    _wait(driver, lambda d: saved in d.find_element(By.ID, "qa-download").text)


@pytest.mark.browser
def test_conversations_survive_a_restart_with_feedback_and_download(tmp_path, browser, monkeypatch):
    from selenium.webdriver.common.by import By

    SCREENSHOTS.mkdir(exist_ok=True)
    app = start_app(tmp_path)
    url, _ = next(app)
    _open_page(browser, url)
    assert _listed(browser) == []

    # 1. A question: the answer, its sources, its suggested follow-ups, and the sidebar.
    _ask(browser, MATVIENKO)
    _answered(browser, "Valentina Matvienko", 1)
    assert _listed(browser) == [MATVIENKO]
    options = _wait(browser, _follow_ups)
    assert 1 <= len(options) <= 3, options  # only questions the articles answer
    browser.save_screenshot(str(SCREENSHOTS / "chat-1-answer-and-follow-ups.png"))

    # 2. A follow-up whose short answer is wrong: thumbs down, and the correction.
    _ask(browser, "Who did she meet?")
    _answered(browser, "Muslimyar", 2)
    _by_css(browser, "#qa-chat button[aria-label='Dislike']")[-1].click()
    note = _wait(browser, lambda d: d.find_element(By.ID, "qa-feedback"))
    _wait(browser, lambda d: "Thanks" in note.text and note.is_displayed())
    box = _by_css(browser, "#qa-correction input, #qa-correction textarea")[0]
    box.send_keys("the answer is Fazal Hadi Muslimyar")
    browser.find_element(By.ID, "qa-save").click()
    # Saved: the box closes, and the line under the question box says what was saved.
    saved = "Saved: the answer is “Fazal Hadi Muslimyar”"
    _wait(browser, lambda d: saved in d.find_element(By.ID, "qa-notice").text)
    _wait(
        browser,
        lambda d: d.execute_script(
            "const e = document.getElementById('qa-feedback'); return !e || !e.offsetParent"
        ),
    )
    browser.save_screenshot(str(SCREENSHOTS / "chat-2-feedback.png"))

    # 3. A suggested follow-up is asked with one click and answered.
    asked = _wait(browser, _follow_ups)[0]
    next(b for b in _by_css(browser, "#qa-follow-ups button") if b.text.strip() == asked).click()
    _wait(browser, lambda d: len(_by_css(d, "#qa-chat [data-testid='bot']")) == 3)
    _wait(browser, lambda d: asked in d.find_element(By.ID, "qa-chat").text)
    _answered(browser, "[1]", 3)

    # 4. The conversation downloads as Markdown with its citations.
    browser.find_element(By.ID, "qa-download").click()
    files = _wait(browser, lambda d: list(d.downloads.glob("*.md")))
    markdown = files[0].read_text(encoding="utf-8")
    assert markdown.startswith(f"# {MATVIENKO}")
    assert "## 2. Who did she meet?" in markdown and f"## 3. {asked}" in markdown
    assert "Russia Promises Free Weapons And Ammunition To Afghanistan" in markdown
    assert "> Valentina Matvienko, Russia’s upper house speaker" in markdown
    app.close()  # stops the app

    # 5. After a restart, the conversation is listed and reopens with answers and sources.
    app = start_app(tmp_path)
    url, _ = next(app)
    _open_page(browser, url)
    _wait(browser, lambda d: _listed(d) == [MATVIENKO])
    next(e for e in _by_css(browser, "#qa-conversations label") if e.text == MATVIENKO).click()
    chat = browser.find_element(By.ID, "qa-chat")
    _wait(browser, lambda d: "Muslimyar" in chat.text and asked in chat.text)
    assert "Valentina Matvienko" in chat.text
    assert len(_by_css(browser, "#qa-chat [data-testid='bot']")) == 3
    _wait(browser, lambda d: _by_css(d, "#qa-sources mark"))
    # Selecting an earlier answer shows its sources.
    _by_css(browser, "#qa-chat [data-testid='bot']")[0].click()
    _wait(
        browser,
        lambda d: any("Valentina Matvienko" in m.text for m in _by_css(d, "#qa-sources mark")),
    )
    browser.save_screenshot(str(SCREENSHOTS / "chat-3-reopened-after-restart.png"))

    # 6. The next question continues the reopened conversation.
    _ask(browser, ISAF)
    _answered(browser, "December 31, 2014", 4)
    assert _listed(browser) == [MATVIENKO]

    # 7. Search, rename, delete.
    search = _by_css(browser, "#qa-search input, #qa-search textarea")[0]
    search.send_keys("nothing like this")
    _wait(browser, lambda d: _listed(d) == [])
    search.clear()
    search.send_keys("isaf combat")  # a question inside the conversation, not its title
    _wait(browser, lambda d: _listed(d) == [MATVIENKO])
    title = _open_this_conversation(browser)
    title.clear()
    title.send_keys("Russia and Afghanistan")
    browser.find_element(By.ID, "qa-rename").click()
    search.clear()
    _wait(browser, lambda d: _listed(d) == ["Russia and Afghanistan"])
    browser.save_screenshot(str(SCREENSHOTS / "chat-4-renamed.png"))
    browser.find_element(By.ID, "qa-delete").click()
    _wait(browser, lambda d: d.find_element(By.ID, "qa-confirm-delete").is_displayed())
    browser.find_element(By.ID, "qa-confirm-delete").click()
    _wait(browser, lambda d: _listed(d) == [] and not _by_css(d, "#qa-chat [data-testid='bot']"))
    app.close()

    # The correction given on the page is in the feedback export (kept after the delete).
    from qa.app.cli.commands import main

    out = tmp_path / "feedback.jsonl"
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["feedback", "export", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["asked"], r["answers"]) for r in rows] == [
        ("Who did she meet?", ["Fazal Hadi Muslimyar"])
    ]
    assert rows[0]["source"] == SEED.stem


@pytest.mark.browser
def test_two_users_do_not_see_each_others_conversations(tmp_path, browser):
    for url, _ in start_app(tmp_path, QA_AUTH="alice:pw1,bob:pw2"):
        _login(browser, url, "alice", "pw1")
        _ask(browser, MATVIENKO)
        _answered(browser, "Valentina Matvienko", 1)
        assert _listed(browser) == [MATVIENKO]

        _login(browser, url, "bob", "pw2")
        assert _listed(browser) == []
        _ask(browser, ISAF)
        _answered(browser, "December 31, 2014", 1)
        assert _listed(browser) == [ISAF]
        browser.save_screenshot(str(SCREENSHOTS / "chat-5-second-user.png"))
        search = _by_css(browser, "#qa-search input, #qa-search textarea")[0]
        search.send_keys("speaker")  # alice's conversation is not found by searching either
        _wait(browser, lambda d: _listed(d) == [])

        _login(browser, url, "alice", "pw1")
        _wait(browser, lambda d: _listed(d) == [MATVIENKO])


@pytest.mark.browser
def test_an_export_is_served_to_its_owner_only_and_goes_with_its_conversation(tmp_path, browser):
    """Issue 20 item 5, in the real app: another logged-in user who has the URL of a
    conversation's Markdown download gets 404; deleting the conversation deletes it."""
    from urllib.parse import quote

    import httpx
    from selenium.webdriver.common.by import By

    cache, temp = tmp_path / "gradio-cache", tmp_path / "tmp"
    temp.mkdir()
    env = {"QA_AUTH": "alice:pw1,bob:pw2", "TMPDIR": str(temp)}
    for url, _ in start_app(tmp_path, GRADIO_TEMP_DIR=str(cache), **env):
        _login(browser, url, "alice", "pw1")
        _ask(browser, MATVIENKO)
        _answered(browser, "Valentina Matvienko", 1)
        [served] = _wait(browser, lambda d: list(cache.rglob("*.md")))
        [written] = list(temp.glob("qa-exports-*/*/*.md"))
        link = f"{url}gradio_api/file={served}"
        alice = {c["name"]: c["value"] for c in browser.get_cookies()}
        got = httpx.get(link, cookies=alice, timeout=30)
        assert got.status_code == 200 and "Valentina Matvienko" in got.text
        with httpx.Client(timeout=30) as bob:
            assert bob.post(f"{url}login", data={"username": "bob", "password": "pw2"}).is_success
            assert bob.get(link).status_code == 404  # logged in, has the URL: not his
            # Gradio's other file route, and the path encoded (issue 36, 4)
            encoded = quote(str(served), safe="")
            for other in (f"file/{served}", f"file/{encoded}", f"file={encoded}"):
                assert bob.get(f"{url}gradio_api/{other}").status_code == 404, other
            mine = httpx.get(f"{url}gradio_api/file/{served}", cookies=alice, timeout=30)
            assert mine.status_code == 200 and "Valentina Matvienko" in mine.text

        _open_this_conversation(browser)
        browser.find_element(By.ID, "qa-delete").click()
        _wait(browser, lambda d: d.find_element(By.ID, "qa-confirm-delete").is_displayed())
        browser.find_element(By.ID, "qa-confirm-delete").click()
        _wait(browser, lambda d: _listed(d) == [])
        _wait(browser, lambda d, s=served, w=written: not s.exists() and not w.exists())
        assert httpx.get(link, cookies=alice, timeout=30).status_code in (403, 404)  # gone
