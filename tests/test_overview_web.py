"""An overview in the real chat (headless Chromium, the real app): grouped, dated, cited
sections, one per article, oldest first, and the same structure over the HTTP API."""

import pytest
from conftest import BBC
from test_web import SCREENSHOTS, _ask, _wait, browser, start_app  # noqa: F401 (fixture)

# Four BBC stories about Google, dated here (the BBC files carry no date), and two that
# never mention it.
DATED = {
    "tech/108": "2004-12-05",  # Search wars hit desktop PCs
    "business/274": "2005-01-20",  # Google shares fall as staff sell
    "tech/076": "2005-01-28",  # Google launches TV search service
    "tech/010": "2005-02-10",  # Google's toolbar sparks concern
    "sport/001": "2005-01-25",
    "politics/001": "2005-02-01",
}


def _write_corpus(folder):
    folder.mkdir(exist_ok=True)
    for article, date in DATED.items():
        lines = (BBC / f"{article}.txt").read_text(encoding="utf-8").splitlines()
        body = "\n".join(lines[1:]).strip()
        name = article.replace("/", "-")
        (folder / f"{name}.md").write_text(
            f"---\ntitle: {lines[0].strip()!r}\npublished: {date}\n---\n{body}\n",
            encoding="utf-8",
        )


@pytest.mark.browser
def test_an_overview_shows_dated_sections_per_article(tmp_path, browser):  # noqa: F811
    from gradio_client import Client
    from selenium.webdriver.common.by import By

    _write_corpus(tmp_path / "corpus")
    for url, _ in start_app(tmp_path, seed=False):
        api = Client(url, verbose=False).predict(
            "What did the articles say about Google?", 0, "", api_name="/ask"
        )
        assert api["kind"] == "overview"
        dates = [g["published"] for g in api["groups"]]
        assert len(dates) >= 3 and dates == sorted(dates)  # oldest first
        cited = {c["article"] for c in api["citations"]}
        assert not cited & {"sport-001", "politics-001"}
        assert all("Google" in c["quote"] or "google" in c["quote"] for c in api["citations"])

        browser.get(url)
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-question textarea"))
        _ask(browser, "What did the articles say about Google?")
        chat = browser.find_element(By.ID, "qa-chat")
        _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#qa-chat h4")) >= 3)
        headings = [h.text for h in chat.find_elements(By.CSS_SELECTOR, "h4")]
        titles = [g["title"] for g in api["groups"]]
        assert headings == titles
        text = chat.text
        assert all(d in text for d in dates)  # every section shows its date
        assert text.index(dates[0]) < text.index(dates[-1])
        assert "[1]" in text
        SCREENSHOTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "7-overview.png"))
