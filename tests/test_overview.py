"""Overviews, comparisons and article summaries on real BBC articles (one small index)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import BBC, bbc_files
from rich.console import Console

from qa.answering.question.kinds import classify
from qa.app.cli.commands import main
from qa.app.cli.terminal import print_answer
from qa.app.web.page import chat_markdown
from qa.indexing.corpus import load_corpus
from qa.text.markdown import escape_markdown_html
from qa.types import Answer, Citation, Group

# Articles on Google, the Nintendo DS, Apple and Sony, among 60 others of all topics.
EXTRA = [
    "business/274",
    "tech/010",
    "tech/076",
    "tech/186",
    "tech/236",
    "tech/108",
    "tech/257",
    "tech/337",
    "tech/267",
    "tech/185",
    "tech/351",
    "tech/247",
    "tech/300",
    "tech/111",
    "tech/130",
    "politics/100",  # "Guantanamo man 'suing government'": the lead says he plans to sue
]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory, embedder):
    """(assistant, article texts as loaded, corpus folder, data folder)."""
    from qa.answering.service import build_assistant
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("kinds")
    folder = root / "bbc"
    for topic, path in bbc_files(60):
        (folder / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / topic / path.name)
    for extra in EXTRA:
        topic, name = extra.split("/")
        (folder / topic).mkdir(parents=True, exist_ok=True)
        shutil.copy(BBC / topic / f"{name}.txt", folder / topic / f"{name}.txt")
    settings = Settings(_env_file=None, corpus_dir=folder, data_dir=root / "data")
    assistant = build_assistant(settings, sync=True)
    texts = {a.id: a.text for a in load_corpus(folder).articles}
    return assistant, texts, folder, root / "data"


def check_spans(answer: Answer, texts: dict[str, str]) -> None:
    for c in answer.citations:
        assert texts[c.article][c.start : c.end] == c.quote


def test_an_overview_cites_several_relevant_articles(bbc):
    assistant, texts, _, _ = bbc
    answer = assistant.ask("What did the articles say about Google?")
    assert answer.kind == "overview"
    assert not answer.abstained
    cited = {c.article for c in answer.citations}
    assert len(cited) >= 3
    assert all("google" in texts[a].lower() for a in cited)  # no irrelevant article
    assert all("google" in c.quote.lower() for c in answer.citations)
    check_spans(answer, texts)
    # one group per article, every citation in exactly one group, the count line first
    assert [g.article for g in answer.groups] == list(
        dict.fromkeys(g.article for g in answer.groups)
    )
    assert sorted(n for g in answer.groups for n in g.citations) == [c.n for c in answer.citations]
    assert all(len(g.citations) <= 2 for g in answer.groups)
    assert answer.answer.splitlines()[0].split()[1:3] == ["articles", "mention"]
    n_mention = int(answer.answer.split()[0])
    assert n_mention >= len(cited)


def test_a_comparison_has_one_group_per_side(bbc):
    assistant, texts, _, _ = bbc
    answer = assistant.ask("Compare Apple and Sony")
    assert answer.kind == "comparison"
    assert [g.side for g in answer.groups] == ["Apple", "Sony"]
    by_n = {c.n: c for c in answer.citations}
    for g in answer.groups:
        assert g.citations
        assert all(g.side.lower() in by_n[n].quote.lower() for n in g.citations)
    check_spans(answer, texts)


def test_a_summary_quotes_the_named_article_in_order(bbc):
    assistant, texts, _, _ = bbc
    answer = assistant.ask("Summarise the article about Google's toolbar")
    assert answer.kind == "summary"
    assert 3 <= len(answer.citations) <= 6
    assert {c.article for c in answer.citations} == {"tech/010"}
    starts = [c.start for c in answer.citations]
    assert starts == sorted(starts)
    assert [g.title for g in answer.groups] == ["Google's toolbar sparks concern"]
    check_spans(answer, texts)
    ds = assistant.ask("Summarise the Nintendo DS article")
    assert ds.kind == "summary" and 3 <= len(ds.citations) <= 6
    [article] = {c.article for c in ds.citations}
    assert article in {"tech/185", "tech/351", "tech/247"}  # the three with both words
    by_id = assistant.ask("Summarise tech/010")
    assert by_id.kind == "summary"
    assert [c.quote for c in by_id.citations] == [c.quote for c in answer.citations]


def test_a_summary_keeps_the_lead_of_the_story(bbc):
    assistant, texts, _, _ = bbc
    answer = assistant.ask("Summarise the article about the Guantanamo man suing the government")
    assert answer.kind == "summary"
    assert {c.article for c in answer.citations} == {"politics/100"}
    lead = "A British terror suspect held in Guantanamo Bay for 33 months plans to sue"
    assert answer.citations[0].quote.startswith(lead)
    check_spans(answer, texts)
    for question in ["Summarise the article about Google's toolbar", "Summarise tech/185"]:
        first = assistant.ask(question).citations[0]
        body = texts[first.article].split("\n\n", 1)[1].lstrip()  # after the title line
        assert body.startswith(first.quote), (question, first.quote)


def test_the_lead_is_the_first_sentence_that_is_not_boilerplate():
    from qa.answering.builders.summary import lead_index

    story = "A British terror suspect plans to sue the government, it is reported."
    assert lead_index([story, "Another sentence of the story follows here."]) == 0
    assert lead_index(["By John Smith, BBC News", story]) == 1
    dateline, caption = "Published: 3 March 2005 10:12 GMT", "Image caption The minister"
    assert lead_index([dateline, caption, story]) == 2
    assert lead_index(["By the end of 2004, sales of the phone had doubled."]) == 0
    assert lead_index(["Updated 10:12", "Short one.", "Photo: AP"]) is None


def test_summarise_it_takes_the_article_from_the_conversation(bbc):
    assistant, _, _, _ = bbc
    first = assistant.ask("What did Nintendo say about the DS touch screen?")
    history = [
        {"role": "user", "content": first.question},
        {
            "role": "assistant",
            "content": first.answer,
            "citations": [{"article": "tech/185"}],
        },
    ]
    answer = assistant.ask("Summarise it", history)
    assert answer.kind == "summary"
    assert {c.article for c in answer.citations} == {"tech/185"}
    # without citations in the history, the last question's words find an article
    answer = assistant.ask("Sum it up", [*history[:1], {"role": "assistant", "content": "x"}])
    assert answer.kind == "summary"
    assert {c.article for c in answer.citations} == {"tech/185"}  # "Nintendo DS aims to touch"
    # after an overview of the toolbar, "sum it up" summarises the article on it
    history = [{"role": "user", "content": "Tell me about Google's toolbar"}]
    answer = assistant.ask("Summarise it", history)
    assert {c.article for c in answer.citations} == {"tech/010"}


def test_a_factoid_still_takes_the_factoid_path(bbc):
    assistant, _, _, _ = bbc
    answer = assistant.ask("Who is the CEO of Google?")
    assert answer.kind == "factoid"
    assert answer.groups == []
    assert classify("Who is the CEO of Google?").name == "factoid"


def test_a_kind_with_no_evidence_falls_back_to_the_factoid_path(bbc):
    assistant, _, _, _ = bbc
    answer = assistant.ask("What did the articles say about zzyzx quuxbar?")
    assert answer.kind == "factoid"


def test_the_chat_shows_grouped_dated_cited_sections(bbc):
    assistant, _, _, _ = bbc
    answer = assistant.ask("What did the articles say about Google?")
    text = chat_markdown(answer, turn=3)
    for g in answer.groups:
        assert "#### " + escape_markdown_html(g.title) in text
    assert text.count("#### ") == len(answer.groups)
    for c in answer.citations:
        assert f"(#src-3-{c.n})" in text


def test_grouped_sections_escape_article_text():
    answer = Answer(
        question="q",
        standalone_question="q",
        answer="2 articles mention <b>x</b>:",
        kind="overview",
        citations=[
            Citation(1, "a/1", "<script>T</script>", "2005-01-02", "a/1#0", 0, 9, "x <i>y</i>")
        ],
        groups=[Group("a/1", "<script>T</script>", "2005-01-02", "", [1])],
    )
    text = chat_markdown(answer)
    console = Console(record=True, width=200)
    print_answer(answer, console)
    printed = console.export_text()
    assert "<script>T</script> (2005-01-02, a/1)" in printed
    assert "[1] “x <i>y</i>”" in printed
    assert "<script>" not in text and "<i>" not in text and "<b>" not in text
    assert "#### &lt;script&gt;T&lt;/script&gt;" in text
    assert "2005-01-02" in text
    assert Answer.from_dict(answer.to_dict()) == answer
    from qa.app.api.openai_api import completion

    reply = completion(answer, "qa")
    assert reply["kind"] == "overview"
    assert reply["groups"] == [
        {
            "article": "a/1",
            "title": "<script>T</script>",
            "published": "2005-01-02",
            "side": "",
            "citations": [1],
        }
    ]


def test_cli_json_carries_kind_and_groups(bbc, capsys, monkeypatch):
    _, _, folder, data = bbc
    monkeypatch.setenv("QA_DATA_DIR", str(data))
    question = "What did the articles say about Google?"
    assert main(["ask", "--corpus", str(folder), "--json", question]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.strip()]
    obj = json.loads(line)
    assert obj["kind"] == "overview"
    assert len(obj["groups"]) >= 3
    assert set(obj["groups"][0]) == {"article", "title", "published", "side", "citations"}
    assert Path(folder).is_dir()


def test_with_an_llm_it_writes_from_the_same_evidence(bbc):
    from test_llm import scripted

    assistant, texts, _, _ = bbc
    question = "What did the articles say about Google?"
    extractive = assistant.ask(question)
    used = {c.chunk_id for c in extractive.citations}
    passages = [p for p in extractive.passages if p.chunk_id in used]
    first, last = extractive.citations[0], extractive.citations[-1]
    n1 = [p.chunk_id for p in passages].index(first.chunk_id) + 1
    n2 = [p.chunk_id for p in passages].index(last.chunk_id) + 1
    reply = f"{first.quote.rstrip('.')} [{n1}]. {last.quote.rstrip('.')} [{n2}]."
    answer = scripted(assistant, reply).ask(question)
    assert (answer.kind, answer.backend) == ("overview", "scripted:test")
    assert [(c.article, c.quote) for c in answer.citations] == [
        (first.article, first.quote),
        (last.article, last.quote),
    ]
    assert all(c.supported for c in answer.citations)
    assert [g.article for g in answer.groups] == list(dict.fromkeys([first.article, last.article]))
    check_spans(answer, texts)
