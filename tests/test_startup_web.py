"""The first start: the page is served at once and shows the sync's progress; answers
come from what is indexed so far, and say so."""

import re
import shutil

import pytest
from conftest import bbc_files
from test_chat_web import _by_css
from test_chat_web import browser as browser  # the fixture
from test_web import SCREENSHOTS, _wait, start_app

from qa.app.web.startup import SyncStatus


def test_status_banner_counts_articles_and_time_left():
    status = SyncStatus(running=True, articles_total=300)
    assert "Reading and chunking 300 articles" in status.banner()
    status.chunks_done, status.chunks_total = 500, 1500
    status.started -= 10  # 500 chunks in 10 s: 1,000 left take about 20 s
    text = status.banner()
    assert "100 / 300 articles" in text and "500 / 1,500 chunks" in text
    assert "about 20 s left" in text and "indexed so far" in text
    assert "100 of 300 articles" in status.answer_note()
    status.running = False
    assert status.banner() == "" and status.answer_note() == ""


@pytest.mark.browser
@pytest.mark.slow
def test_page_is_served_during_the_first_sync_and_shows_progress(tmp_path, browser):
    corpus = tmp_path / "corpus"
    for topic, path in bbc_files(300):
        (corpus / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, corpus / topic / path.name)
    env = {"QA_SYNC_BATCH_SIZE": "128"}  # small batches: the index fills as we watch
    for url, _ in start_app(tmp_path, wait_synced=False, seed=False, **env):
        SCREENSHOTS.mkdir(exist_ok=True)
        browser.get(url)

        def indexed(d) -> int:  # articles the banner says are indexed (0 before)
            found = [
                re.search(r"(\d+) / 300 articles", b.text) for b in _by_css(d, "#qa-sync-banner")
            ]
            return next((int(m.group(1)) for m in found if m), 0)

        _wait(browser, indexed, timeout=180)  # served while indexing, articles counted
        banner = _by_css(browser, "#qa-sync-banner")[0].text
        assert "Indexing the corpus" in banner and "left" in banner
        browser.save_screenshot(str(SCREENSHOTS / "start-1-sync-progress.png"))

        # A question asked now is answered from what the sync has published so far
        # (tests/test_sync_answering.py). When the sync ends the banner goes and the
        # Articles tab lists every article.
        _wait(
            browser,
            lambda d: (
                not d.execute_script(
                    "const b = document.getElementById('qa-sync-banner');"
                    "return !!b && b.offsetParent !== null"
                )
            ),
            timeout=600,
        )
        log = (tmp_path / "app.log").read_text()
        assert "Synced 300 articles" in log
        browser.save_screenshot(str(SCREENSHOTS / "start-3-synced.png"))
