"""The real app on a loopback port: the HTTP API through gradio_client, and the page
in headless Chromium (Debian's chromium + chromium-driver, via Selenium)."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SEED, free_port

SCREENSHOTS = ROOT / "screenshots"


@pytest.fixture
def app_server(tmp_path):
    yield from start_app(tmp_path)


def start_app(tmp_path, wait_synced: bool = True, seed: bool = True, **extra_env):
    """Run `python app.py` on a free loopback port; yields (url, corpus folder).
    The page is served before the corpus is synced; ``wait_synced`` waits for the sync."""
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)  # a restart reuses the corpus and the data dir
    if seed:
        shutil.copy(SEED, corpus / SEED.name)
        shutil.copy(ROOT / "corpus" / "eval.jsonl", corpus / "eval.jsonl")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(
        QA_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_TEMP_DIR=str(tmp_path / "gradio-cache"),
    )
    env.update(extra_env)
    log = open(tmp_path / "app.log", "w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--corpus", str(corpus), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 600  # a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "app.log").read_text()
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("app did not start:\n" + (tmp_path / "app.log").read_text())
    try:
        deadline = time.monotonic() + 900  # embedding on a loaded machine: minutes
        while wait_synced and not any(  # synced, or said why not (the app keeps serving)
            line in (tmp_path / "app.log").read_text() for line in ("Synced ", "sync failed")
        ):
            assert proc.poll() is None and time.monotonic() < deadline, (
                tmp_path / "app.log"
            ).read_text()
            time.sleep(0.3)
        yield url, corpus
    finally:  # also when a test fails inside `for ... in start_app(...)`
        proc.terminate()
        proc.wait(20)
        log.close()


@pytest.fixture
def page_app(tmp_path, tmp_path_factory):
    """The app with Gradio's upload cache outside its working folder, as `make run` has it
    (/tmp/gradio): Gradio refuses a dot-file (".txt") whose cached copy lies under the
    working folder. Yields (url, corpus folder, the cache)."""
    cache = tmp_path_factory.mktemp("gradio-cache")
    for url, corpus in start_app(tmp_path, GRADIO_TEMP_DIR=str(cache)):
        yield url, corpus, cache


@pytest.mark.browser
def test_http_api_ask_and_ingest(app_server):
    from gradio_client import Client

    url, corpus = app_server
    client = Client(url, verbose=False)
    got = client.predict("Who is the speaker of Russia's upper house?", 0, "", api_name="/ask")
    assert not got["abstained"]
    c = got["citations"][0]
    assert "Valentina Matvienko" in c["quote"]
    assert SEED.read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    refusal = client.predict("Who won the 2014 FIFA World Cup?", 0, "", api_name="/ask")
    assert refusal["abstained"] and refusal["citations"] == []
    assert "error" in client.predict("", 0, "", api_name="/ask")
    question = "Who is the speaker of Russia's upper house?"
    dated = client.predict(question, 0, "", None, "2004-01-01", "", api_name="/ask")
    assert dated["passages"] == [] and dated["excluded_undated"] == 1  # the seed is undated
    (corpus / "extra.md").write_text("---\ntitle: Extra\n---\nThe extra story is short.\n")
    summary = client.predict(api_name="/ingest")
    assert summary["added"] == 1 and summary["unchanged"] == 1 and summary["articles_total"] == 2


@pytest.mark.browser
def test_llm_backend_down_gives_a_message_and_the_app_keeps_serving(tmp_path):
    from gradio_client import Client

    closed = f"http://127.0.0.1:{free_port()}/v1"
    for url, _ in start_app(tmp_path, QA_LLM="openai:absent", OPENAI_BASE_URL=closed):
        client = Client(url, verbose=False)
        got = client.predict("Who is the speaker of Russia's upper house?", 0, "", api_name="/ask")
        assert "openai:absent" in got["error"]
        # Unanswerable questions never reach the LLM, and the app still answers them.
        refusal = client.predict("Who won the 2014 FIFA World Cup?", 0, "", api_name="/ask")
        assert refusal["abstained"]


@pytest.fixture
def browser():
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
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--disable-dev-shm-usage",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def _ask(driver, question: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.CSS_SELECTOR, "#qa-question textarea")
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)


def _wait(driver, condition, timeout=180):
    """Wait for ``condition``; the limit is generous (a loaded CI machine answers and
    renders slowly; only a page that never gets there fails). An element the page
    re-rendered while the condition read it is read again at the next poll."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(
        driver, timeout, poll_frequency=0.3, ignored_exceptions=[StaleElementReferenceException]
    )
    return wait.until(condition)


def _tab(driver, name: str):
    from selenium.webdriver.common.by import By

    for button in driver.find_elements(By.CSS_SELECTOR, "button[role='tab']"):
        if button.text.strip() == name:
            button.click()
            return
    raise AssertionError(f"no tab {name}")


@pytest.mark.browser
def test_chat_in_a_real_browser(page_app, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, _, cache = page_app
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.get(url)
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-question textarea"))
    # Offline page: nothing from another host, no web font (system fonts only).
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(name.startswith(url) for name in loaded), loaded
    assert not [n for n in loaded if n.split("?")[0].endswith((".woff2", ".woff", ".ttf"))]
    assert browser.execute_script("return document.fonts.size") == 0

    # 1. A question: the streamed answer and its source with the highlighted quote.
    _ask(browser, "Who is the speaker of Russia's upper house?")
    mark = _wait(
        browser,
        lambda d: next(
            (
                m
                for m in d.find_elements(By.CSS_SELECTOR, "#qa-sources mark")
                if "Valentina Matvienko" in m.text
            ),
            None,
        ),
    )
    assert mark.is_displayed()
    chat = browser.find_element(By.ID, "qa-chat")
    _wait(browser, lambda d: "Valentina Matvienko" in chat.text)
    source = browser.find_element(By.ID, "src-1-1")  # answer at position 1, citation [1]
    assert "Russia Promises Free Weapons" in source.text
    browser.save_screenshot(str(SCREENSHOTS / "1-answer.png"))

    # 2. A question the articles cannot answer is visibly an abstention.
    _ask(browser, "Who won the 2014 FIFA World Cup?")
    _wait(browser, lambda d: d.find_elements(By.ID, "qa-abstain"))
    browser.save_screenshot(str(SCREENSHOTS / "2-abstain.png"))

    # 3. Upload two articles through the Articles tab, one of them hostile markup.
    bridge = tmp_path / "harbour bridge.txt"
    bridge.write_text(
        "Harbour bridge reopens\n\nEngineers replaced 312 steel cables on the "
        "harbour bridge, which reopened to traffic on Tuesday.\n"
    )
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "Council vote on parking\n\nThe council voted <script>window.__xss=1"
        '</script> to double parking fees <img src=x onerror="window.__xss=2"> '
        "in the old town from May.\n"
    )
    # A file named only ".txt" in the batch (issue 36, 11) is saved as article.txt.
    (tmp_path / "dots").mkdir()
    nameless = tmp_path / "dots" / ".txt"
    nameless.write_text("Ferry timetable\n\nThe night ferry to Bergen sails at 22:15.\n")
    _tab(browser, "Articles")
    upload = _wait(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, "#qa-upload input[type=file]")
    )
    upload.send_keys(f"{bridge}\n{hostile}\n{nameless}")
    status = browser.find_element(By.CSS_SELECTOR, "#qa-status textarea")
    _wait(browser, lambda d: "Added" in (status.get_attribute("value") or ""), timeout=300)
    added = status.get_attribute("value").splitlines()[0]
    assert added == "Added harbour-bridge.txt, hostile.txt, article.txt to the corpus folder."
    # Gradio's temporary copies of the uploads are gone once they are in the corpus.
    assert not list(cache.rglob("*.txt"))
    _wait(browser, lambda d: "hostile" in d.find_element(By.ID, "qa-articles").text)
    browser.save_screenshot(str(SCREENSHOTS / "3-articles.png"))

    # 4. The next question already uses the new article.
    _tab(browser, "Chat")
    _ask(browser, "How many steel cables did engineers replace on the bridge?")
    _wait(
        browser,
        lambda d: any(
            "312 steel cables" in m.text
            for m in d.find_elements(By.CSS_SELECTOR, "#qa-sources mark")
        ),
    )
    browser.save_screenshot(str(SCREENSHOTS / "4-new-article.png"))

    # 5. Hostile markup shows as text and runs nothing.
    _ask(browser, "What did the council vote to do with parking fees?")
    _wait(browser, lambda d: "<script>" in d.find_element(By.ID, "qa-sources").text)
    sources = browser.find_element(By.ID, "qa-sources")
    assert "onerror" in sources.text
    assert not sources.find_elements(By.TAG_NAME, "script")
    assert not sources.find_elements(By.CSS_SELECTOR, "img")
    assert browser.execute_script("return window.__xss === undefined")
    browser.save_screenshot(str(SCREENSHOTS / "5-escaped.png"))

    # 6. An empty question gets a readable message, and the app keeps serving.
    _ask(browser, " ")
    _wait(browser, lambda d: "type a question" in d.find_element(By.ID, "qa-notice").text)
