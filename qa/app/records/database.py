"""The chat's database (SQLAlchemy): saved conversations and feedback.

SQLite in the data dir by default (``Settings.chat_database_url``); any SQLAlchemy URL
(``QA_DATABASE_URL``) for a database shared by several app processes.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, sessionmaker

_CREATE_ATTEMPTS = 10


class Base(DeclarativeBase):
    """The chat's tables (conversations.py, feedback.py)."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC: SQLite keeps no zone


@functools.lru_cache(maxsize=16)
def engine_for(url: str) -> Engine:
    """One engine per URL in a process (it pools connections across threads)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.close()


def session_factory(url: str, tables: list) -> sessionmaker:
    """Sessions on ``url``, with ``tables`` created if they are missing."""
    engine = engine_for(url)
    create_tables(engine, tables)
    return sessionmaker(engine, expire_on_commit=False)


def create_tables(engine: Engine, tables: list) -> None:
    """Create the missing ``tables``, even while another process creates them too."""
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            Base.metadata.create_all(engine, tables=tables)
            break
        except OperationalError:
            # Another process (a second app on the same database) is creating the same
            # tables, one by one: try again until every table is there.
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database, or one in memory)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def check_chat_database(url: str) -> str:
    """Run before the stores open the chat database. A damaged SQLite file (unreadable,
    or emptied while a backup holds chats) is set aside, renamed and never overwritten,
    so that a fresh database takes the new chats; the one line saying so is returned.
    A sound file is backed up (SQLite's online backup) to ``<file>.backup``, which a
    user can copy back. Returns "" when all is well."""
    path = sqlite_file(url)
    if path is None or not path.exists():
        return ""
    backup = path.with_name(path.name + ".backup")
    problem = _damage(path, backup)
    if not problem:
        _backup(path, backup)
        return ""
    kept = _set_aside(path)
    restore = (
        f"; the last backup is {backup} (stop the app and copy it over {path.name} to use it)"
        if backup.exists()
        else ""
    )
    return (
        f"Saved chats are unavailable: the chat database {path} is damaged ({problem}); "
        f"it is kept as {kept.name}{restore}; new chats are saved in a fresh database."
    )


def _damage(path: Path, backup: Path) -> str:
    """What is wrong with the SQLite file at ``path`` ("" if nothing)."""
    if path.stat().st_size == 0:
        # A file the app made holds its tables; an empty one lost them (only said when a
        # backup holds chats: a second app may be creating the file this very moment).
        return "the file is empty" if backup.exists() and backup.stat().st_size else ""
    try:
        with closing(sqlite3.connect(path, timeout=30)) as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if rows != [("ok",)]:
        return "; ".join(str(r[0]) for r in rows[:2])
    return ""


def _set_aside(path: Path) -> Path:
    """Rename the damaged file (and its -wal and -shm companions) out of the way."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while kept.exists():  # never overwrite an earlier damaged copy
        n += 1
        kept = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):  # a leftover log must not be replayed into the new file
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.replace(companion, kept.with_name(kept.name + suffix))
    os.replace(path, kept)
    return kept


def _backup(path: Path, backup: Path) -> None:
    """Copy the database to ``backup`` (written aside, then swapped in)."""
    partial = backup.with_name(f"{backup.name}.{os.getpid()}.partial")
    try:
        with (
            closing(sqlite3.connect(path, timeout=30)) as source,
            closing(sqlite3.connect(partial)) as target,
        ):
            source.backup(target)
        os.replace(partial, backup)
    except (sqlite3.Error, OSError) as exc:  # no backup this time; the chats still work
        partial.unlink(missing_ok=True)
        print(f"warning: could not back up the chat database to {backup}: {exc}", flush=True)
