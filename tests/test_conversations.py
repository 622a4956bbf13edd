"""Saved conversations: real answers stored in a real SQLite file, per user, and the
Markdown export."""

import sqlite3

import pytest
from conftest import SEED

from qa.app.records.conversations import ConversationStore, title_from
from qa.app.records.transcript import conversation_markdown, markdown_filename
from qa.text.markdown import escape_markdown
from qa.types import Answer

MATVIENKO = "Who is the speaker of Russia's upper house?"
WORLD_CUP = "Who won the 2014 FIFA World Cup?"


@pytest.fixture(scope="module")
def answers(tmp_path_factory, embedder):
    """Two real answers (one cited, one abstention) from the seed article."""
    import shutil

    from qa.answering.service import build_assistant
    from qa.settings import Settings

    base = tmp_path_factory.mktemp("answers")
    (base / "corpus").mkdir()
    shutil.copy(SEED, base / "corpus" / SEED.name)
    assistant = build_assistant(
        Settings(corpus_dir=base / "corpus", data_dir=base / "data", _env_file=None), sync=True
    )
    return assistant.ask(MATVIENKO), assistant.ask(WORLD_CUP)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'chat.sqlite'}"


def test_a_conversation_comes_back_with_its_answers_and_sources(url, tmp_path, answers):
    cited, abstained = answers
    store = ConversationStore(url)
    cid = store.create("", MATVIENKO)
    assert store.add_turn(cid, "", MATVIENKO, cited) == 1
    assert store.add_turn(cid, "", WORLD_CUP, abstained) == 3
    assert store.add_turn(cid, "", "Anything?", None, "⚠️ The model is down") == 5

    # What is on disk is what comes back (another store object, another connection).
    with sqlite3.connect(tmp_path / "chat.sqlite") as db:
        assert db.execute("select count(*) from messages").fetchone() == (6,)
    again = ConversationStore(url).get(cid, "")
    assert again.title == MATVIENKO
    assert [m.role for m in again.messages] == ["user", "assistant"] * 3
    question, answer = again.answer_at(1)
    assert question == MATVIENKO
    assert answer == cited  # every field, citations and passages included
    assert isinstance(answer, Answer) and "Valentina Matvienko" in answer.citations[0].quote
    assert again.answer_at(3)[1].abstained
    assert again.answer_at(5) is None and again.messages[5].content == "⚠️ The model is down"
    assert again.answer_at(0) is None  # a question is not an answer


def test_each_user_sees_only_their_own_conversations(url, answers):
    cited, _ = answers
    store = ConversationStore(url)
    alice = store.create("alice", "alice asks")
    store.add_turn(alice, "alice", "alice asks", cited)
    bob = store.create("bob", "bob asks")

    assert [c.id for c in store.list("alice")] == [alice]
    assert [c.id for c in store.list("bob")] == [bob]
    assert store.list("") == []
    assert store.get(alice, "bob") is None
    assert not store.rename(alice, "bob", "mine now")
    assert not store.delete(alice, "bob")
    with pytest.raises(KeyError):
        store.add_turn(alice, "bob", "sneaky", cited)
    assert store.get(alice, "alice").title == "alice asks"
    assert len(store.get(alice, "alice").messages) == 2


def test_search_rename_delete_and_order(url, answers):
    cited, abstained = answers
    store = ConversationStore(url)
    first = store.create("", MATVIENKO)
    store.add_turn(first, "", MATVIENKO, cited)
    second = store.create("", WORLD_CUP)
    store.add_turn(second, "", WORLD_CUP, abstained)

    assert [c.id for c in store.list("")] == [second, first]  # latest first
    # Text search: titles, and the messages' text (the quoted answer).
    assert [c.id for c in store.list("", "fifa")] == [second]
    assert [c.id for c in store.list("", "MODERNIZE ITS AIR FORCE")] == [first]
    assert store.list("", "50%") == [] and store.list("", "_") == []  # LIKE wildcards escaped
    assert store.list("", "speaker " * 25_000) == []  # 200,000 characters: no SQL limit hit

    assert store.rename(first, "", "  Russia's   speaker ")
    assert store.get(first, "").title == "Russia's speaker"
    assert not store.rename(first, "", "   ")
    assert [c.id for c in store.list("", "speaker")] == [first]

    assert store.delete(first, "")
    assert store.get(first, "") is None
    assert [c.id for c in store.list("")] == [second]


def test_titles_come_from_the_first_question():
    assert title_from("  Who is   the speaker? ") == "Who is the speaker?"
    long = "How many " + "very " * 30 + "long questions?"
    title = title_from(long)
    assert title.endswith("…") and len(title) <= 60 and long.startswith(title[:-1])
    assert title_from("") == "New conversation"


def test_markdown_export_has_answers_and_their_citations(url, answers):
    cited, abstained = answers
    store = ConversationStore(url)
    cid = store.create("", MATVIENKO)
    store.add_turn(cid, "", MATVIENKO, cited)
    store.set_suggestions(cid, "", 1, ["What is ISIL?"])
    store.add_turn(cid, "", WORLD_CUP, abstained)
    conversation = store.get(cid, "")
    text = conversation_markdown(conversation)

    c = cited.citations[0]
    assert text.startswith(f"# {MATVIENKO}\n")
    assert f"## 1. {MATVIENKO}" in text and f"## 2. {WORLD_CUP}" in text
    assert escape_markdown(cited.answer) in text  # with its [1] marker (as characters)
    assert f"[1] **{c.title}**" in text and f"article `{c.article}`" in text
    assert f"> {escape_markdown(c.quote)}" in text
    assert "_The articles don't say." in text
    assert "Suggested follow-ups: What is ISIL?" in text
    assert markdown_filename(conversation) == "who-is-the-speaker-of-russia-s-upper-house.md"


def test_several_apps_creating_the_chat_tables_at_once_all_start(tmp_path):
    """Two app replicas on one new database create its tables at the same moment."""
    import threading

    from sqlalchemy import create_engine

    from qa.app.records import database
    from qa.app.records.conversations import ConversationRow, MessageRow

    tables = [ConversationRow.__table__, MessageRow.__table__]
    for round_ in range(20):
        url = f"sqlite:///{tmp_path / f'chat{round_}.sqlite'}"
        barrier = threading.Barrier(6)
        errors = []

        def create(url=url, barrier=barrier, errors=errors):
            engine = create_engine(url, connect_args={"timeout": 30})  # one per "process"
            barrier.wait()
            try:
                database.create_tables(engine, tables)
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=create) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[0]


def test_markdown_export_shows_article_markdown_as_characters(url, answers):
    """An article's [link](…) and ![](…) in a quote, a title or a suggested follow-up
    stay characters in the export: no live link, no image from another host."""
    from dataclasses import replace

    cited, _ = answers
    planted = "[the official ferry site](http://evil.example/login) ![](http://evil.example/t.png)"
    c = replace(cited.citations[0], quote=planted, title=f"**Title** {planted}")
    answer = replace(cited, answer=f"See {planted} [1]", citations=[c])
    store = ConversationStore(url)
    cid = store.create("", "[q](http://evil.example/q)")
    store.add_turn(cid, "", "[q](http://evil.example/q)", answer)
    store.set_suggestions(cid, "", 1, [f"What is {planted}?"])
    text = conversation_markdown(store.get(cid, ""))

    import markdown_it

    rendered = markdown_it.MarkdownIt("commonmark").render(text)
    assert "evil.example" in rendered and "<a " not in rendered and "<img" not in rendered
    assert "[the official ferry site](http://evil.example/login)" in rendered
    assert "http://" not in text  # a bare URL would become a link in GitHub's Markdown


def test_markdown_export_shows_the_short_answer_exactly_where_the_chat_did(url, answers):
    """An unconfident short answer is hidden in the chat: the export hides it too."""
    from dataclasses import replace

    from qa.app.web.page import chat_markdown

    cited, _ = answers
    unsure = replace(cited, short_answer="2001", short_answer_confident=False)
    sure = replace(cited, short_answer="Valentina Matvienko", short_answer_confident=True)
    store = ConversationStore(url)
    cid = store.create("", MATVIENKO)
    store.add_turn(cid, "", MATVIENKO, unsure)
    store.add_turn(cid, "", MATVIENKO, sure)
    text = conversation_markdown(store.get(cid, ""))
    assert "**2001**" not in text and "**Valentina Matvienko**" in text
    assert "**2001**" not in chat_markdown(unsure, 1)
    assert "**Valentina Matvienko**" in chat_markdown(sure, 3)


def test_a_conversation_deleted_while_its_answer_is_written_is_not_brought_back(tmp_path, answers):
    """The page saves a turn when the answer is done; a conversation deleted meanwhile
    (another tab, the sidebar) stays deleted, and the page says the answer is not saved."""
    from types import SimpleNamespace

    from qa.app.web.chat_ui import ChatMemory
    from qa.app.web.page import DELETED_MEANWHILE

    url = f"sqlite:///{tmp_path / 'chat.sqlite'}"
    fake_assistant = SimpleNamespace(settings=SimpleNamespace(chat_database_url=url))
    memory = ChatMemory(fake_assistant)
    answer, _ = answers
    cid, position = memory.save_turn("alice", "", MATVIENKO, answer, answer.answer)
    assert cid and position >= 0
    assert memory.conversations.delete(cid, "alice")
    again, position = memory.save_turn("alice", cid, "And then?", answer, answer.answer)
    assert (again, position) == ("", -1)
    assert memory.conversations.get(cid, "alice") is None
    assert memory.conversations.list("alice") == []
    assert "not saved" in DELETED_MEANWHILE
