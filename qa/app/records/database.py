"""The chat's database (SQLAlchemy): saved conversations and feedback.

SQLite in the data dir by default (``Settings.chat_database_url``); any SQLAlchemy URL
(``QA_DATABASE_URL``) for a database shared by several app processes.
"""

from __future__ import annotations

import functools
import time
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
