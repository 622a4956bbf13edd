"""Article summaries on the seed article: the first question "Summarize this article" in a
one-article corpus summarises it; headings and datelines are never key sentences; the
story's main facts come before its last paragraph."""

from __future__ import annotations

import shutil

import pytest
from conftest import SEED

from qa.answering.builders.grouped import Picked
from qa.answering.builders.summary import is_heading
from qa.types import Passage

HEADINGS = [
    "Updated on",
    "Kabul looking for new friends",
    "A mutual enemy",
    "Afghanistan praises Russia’s support",
    "Leave a Comment",
]


@pytest.fixture(scope="module")
def seed(tmp_path_factory, embedder):
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("seed-summary")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    settings = Settings(_env_file=None, corpus_dir=root / "corpus", data_dir=root / "data")
    return build_assistant(settings, sync=True)


@pytest.mark.parametrize("question", ["Summarize this article", "Summarise", "Sum it up"])
def test_a_first_question_asking_for_a_summary_summarises_the_only_article(seed, question):
    answer = seed.ask(question)
    assert not answer.abstained and answer.kind == "summary"
    assert 3 <= len(answer.citations) <= 5
    assert {c.article for c in answer.citations} == {SEED.stem}


def test_a_summary_skips_headings_and_tells_the_main_facts_first(seed):
    answer = seed.ask("Summarize this article")
    quotes = [c.quote for c in answer.citations]
    for heading in HEADINGS:
        assert all(not q.startswith(heading) for q in quotes), heading
    assert quotes[0].startswith("The Islamic State’s increasing terrorist activities")  # lead
    assert any("supplying weapons to the Afghan military for free" in q for q in quotes)
    text = SEED.read_text(encoding="utf-8")
    last_paragraph = text[text.index("Afghanistan has heaped praise") :]
    assert all(q not in last_paragraph for q in quotes)


def _picked(article: str, line: str) -> Picked:
    at = article.index(line)
    passage = Passage("a#0", "a", "T", "", 0, len(article), article)
    return Picked(passage, at, at + len(line), line)


def test_a_heading_is_a_line_of_its_own_in_title_case_or_without_a_sentence_end():
    article = (
        "Russia Promises Weapons\n\nUpdated on\n\nThe minister spoke on Monday. He left.\n\n"
        "A mutual enemy\n\nSales rose 5%\n\nBy Jane Smith\n\n"
        "The firm said sales rose in the first three months of the year and profits fell\n"
    )
    for line in ["Updated on", "A mutual enemy", "Sales rose 5%", "By Jane Smith"]:
        assert is_heading(_picked(article, line)), line
    for line in [
        "The minister spoke on Monday.",  # a sentence of a paragraph
        "He left.",
        "The firm said sales rose in the first three months of the year and profits fell",
    ]:
        assert not is_heading(_picked(article, line)), line


def test_a_card_shows_no_gap_where_boilerplate_was_blanked(seed):
    import re

    from qa.app.web.page import gapless, sources_html

    html = sources_html(seed.ask("Summarize this article"), 1)
    for body in re.findall(r"<div class='qa-passage'>(.*?)</div>", html, re.S):
        assert not re.search(r"\n[ \t]*\n[ \t]*\n", body)  # "Updated on" was a blank run
        assert body == body.strip()
    assert gapless("Title\n\n          \n\nThe story.\n") == "Title\n\nThe story."
