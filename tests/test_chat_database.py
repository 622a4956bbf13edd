"""A damaged chat database (issue 20, item 2): the app starts and answers, says in one
line that saved chats are unavailable and why, keeps the damaged file aside and saves new
chats in a fresh database; a sound database is backed up at each start."""

import sqlite3
import urllib.request

import pytest
from test_web import start_app

from qa.app.records.conversations import ConversationStore
from qa.app.records.database import check_chat_database, engine_for

QUESTION = "Who is the speaker of Russia's upper house?"


def _fill(path, n=60) -> bytes:
    """A real chat database with ``n`` conversations (well over 8 KB); its bytes."""
    url = f"sqlite:///{path}"
    store = ConversationStore(url)
    for i in range(n):
        cid = store.create("", f"Question {i} " + "x" * 200)
        store.add_turn(cid, "", f"Question {i}", None, "an answer " * 50)
    engine_for(url).dispose()  # closed, as when the app stops (the WAL checkpointed)
    return path.read_bytes()


def _conversations(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from conversations").fetchone()[0]


def test_a_sound_database_is_backed_up_and_a_damaged_one_set_aside(tmp_path):
    path = tmp_path / "chat.sqlite"
    data = _fill(path)
    assert check_chat_database(f"sqlite:///{path}") == ""
    backup = tmp_path / "chat.sqlite.backup"
    assert _conversations(backup) == 60

    path.write_bytes(data[:8192])  # truncated
    line = check_chat_database(f"sqlite:///{path}")
    assert line.startswith("Saved chats are unavailable") and "\n" not in line
    assert "malformed" in line and str(backup) in line
    (kept,) = tmp_path.glob("chat.sqlite.damaged-*")
    assert kept.read_bytes() == data[:8192] and not path.exists()
    assert _conversations(backup) == 60  # the backup is not replaced by the damaged file

    path.write_bytes(b"")  # emptied: the chats in the backup are gone from it
    line = check_chat_database(f"sqlite:///{path}")
    assert "the file is empty" in line and not path.exists()
    assert len(list(tmp_path.glob("chat.sqlite.damaged-*"))) == 2  # the first one kept


@pytest.mark.browser
@pytest.mark.parametrize("size", [8192, 0])
def test_the_app_starts_and_answers_on_a_damaged_chat_database(tmp_path, size):
    from gradio_client import Client

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path = data_dir / "chat.sqlite"
    data = _fill(path)
    if size == 0:  # a start made the backup; then the file was emptied
        check_chat_database(f"sqlite:///{path}")
    path.write_bytes(data[:size])
    for url, _ in start_app(tmp_path):
        log = (tmp_path / "app.log").read_text()
        lines = [line for line in log.splitlines() if "Saved chats are unavailable" in line]
        assert len(lines) == 1 and "Traceback" not in log, log
        config = urllib.request.urlopen(f"{url}config", timeout=30).read().decode()
        assert "Saved chats are unavailable" in config  # shown at the top of the page
        notice = config[config.index("Saved chats are unavailable") :][:400]
        assert "data/chat.sqlite" in notice and str(tmp_path) not in notice  # no server path
        assert str(tmp_path) in lines[0]  # the log keeps the whole path for the operator
        answer = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        assert "Valentina Matvienko" in answer["answer"]
        (kept,) = data_dir.glob("chat.sqlite.damaged-*")
        assert kept.read_bytes() == data[:size]
        # New chats go to a fresh database.
        store = ConversationStore(f"sqlite:///{path}")
        store.add_turn(store.create("", QUESTION), "", QUESTION, None, "text")
        assert _conversations(path) == 1
