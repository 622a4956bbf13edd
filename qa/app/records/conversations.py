"""Saved conversations: every chat turn is stored with its answer, sources and follow-ups.

Each conversation belongs to one user (``""`` without ``QA_AUTH``); every method takes
the user and only ever sees that user's conversations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa.app.records.database import Base, session_factory, utcnow
from qa.types import Answer

TITLE_CHARS = 60


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[str] = mapped_column(String(200), index=True, default="")
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    messages: Mapped[list[MessageRow]] = relationship(
        order_by="MessageRow.position", cascade="all, delete-orphan", passive_deletes=True
    )


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # index in the chat, from 0
    role: Mapped[str] = mapped_column(String(16))  # "user" | "assistant"
    content: Mapped[str] = mapped_column(Text)  # the question, or the answer text with [n]
    answer: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # Answer.to_dict()
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass
class Message:
    position: int
    role: str
    content: str
    answer: Answer | None = None
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    id: str
    user: str
    title: str
    created_at: datetime
    updated_at: datetime
    messages: list[Message] = field(default_factory=list)

    def answer_at(self, position: int) -> tuple[str, Answer] | None:
        """(question, answer) of the assistant message at ``position``, if it is one."""
        by_position = {m.position: m for m in self.messages}
        reply, asked = by_position.get(position), by_position.get(position - 1)
        if reply is None or reply.answer is None or asked is None:
            return None
        return asked.content, reply.answer


@dataclass
class ConversationSummary:
    id: str
    title: str
    updated_at: datetime


def title_from(question: str) -> str:
    """A conversation's title: its first question, cut at a word under TITLE_CHARS."""
    text = " ".join(question.split())
    if len(text) <= TITLE_CHARS:
        return text or "New conversation"
    cut = text[: TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _message(row: MessageRow) -> Message:
    answer = Answer.from_dict(row.answer) if row.answer else None
    return Message(row.position, row.role, row.content, answer, list(row.suggestions or []))


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        row.id,
        row.user,
        row.title,
        row.created_at,
        row.updated_at,
        [_message(m) for m in row.messages],
    )


class ConversationStore:
    """Conversations and their messages in a SQLAlchemy database."""

    def __init__(self, url: str):
        self.url = url
        self._session = session_factory(url, [ConversationRow.__table__, MessageRow.__table__])

    def _owned(self, session, conversation_id: str, user: str) -> ConversationRow | None:
        row = session.get(ConversationRow, conversation_id) if conversation_id else None
        return row if row is not None and row.user == user else None

    def create(self, user: str, first_question: str) -> str:
        """A new, empty conversation titled after its first question; returns its id."""
        conversation_id = uuid.uuid4().hex
        with self._session.begin() as session:
            session.add(
                ConversationRow(id=conversation_id, user=user, title=title_from(first_question))
            )
        return conversation_id

    def add_turn(
        self,
        conversation_id: str,
        user: str,
        question: str,
        answer: Answer | None,
        text: str = "",
    ) -> int:
        """Append a question and its answer (or, with no Answer, the ``text`` shown in its
        place, such as an error); returns the answer's position in the chat."""
        with self._session.begin() as session:
            row = self._owned(session, conversation_id, user)
            if row is None:
                raise KeyError(f"no conversation {conversation_id} for this user")
            position = len(row.messages)
            row.messages.append(
                MessageRow(position=position, role="user", content=question, suggestions=[])
            )
            row.messages.append(
                MessageRow(
                    position=position + 1,
                    role="assistant",
                    content=answer.answer if answer is not None else text,
                    answer=answer.to_dict() if answer is not None else None,
                    suggestions=[],
                )
            )
            row.updated_at = utcnow()
            return position + 1

    def set_suggestions(
        self, conversation_id: str, user: str, position: int, suggestions: list[str]
    ) -> None:
        """Remember the follow-ups shown under the answer at ``position``."""
        with self._session.begin() as session:
            row = self._owned(session, conversation_id, user)
            if row is None:
                return
            for message in row.messages:
                if message.position == position:
                    message.suggestions = list(suggestions)

    def get(self, conversation_id: str, user: str) -> Conversation | None:
        """The conversation with its messages, if it exists and is ``user``'s."""
        with self._session() as session:
            row = self._owned(session, conversation_id, user)
            return _conversation(row) if row is not None else None

    def list(self, user: str, query: str = "", limit: int = 200) -> list[ConversationSummary]:
        """``user``'s conversations, latest first; ``query`` matches titles and messages."""
        stmt = select(ConversationRow.id, ConversationRow.title, ConversationRow.updated_at)
        stmt = stmt.where(ConversationRow.user == user)
        query = query.strip()
        if query:  # instr, not LIKE: no pattern to escape, and no limit on its length
            needle = query.lower()
            in_messages = (
                select(MessageRow.id)
                .where(MessageRow.conversation_id == ConversationRow.id)
                .where(func.instr(func.lower(MessageRow.content), needle) > 0)
                .exists()
            )
            stmt = stmt.where(
                or_(func.instr(func.lower(ConversationRow.title), needle) > 0, in_messages)
            )
        stmt = stmt.order_by(ConversationRow.updated_at.desc(), ConversationRow.created_at.desc())
        with self._session() as session:
            rows = session.execute(stmt.limit(limit)).all()
        return [ConversationSummary(r.id, r.title, r.updated_at) for r in rows]

    def rename(self, conversation_id: str, user: str, title: str) -> bool:
        """Give the conversation a new title (stripped, at most 200 characters)."""
        title = " ".join(title.split())[:200]
        if not title:
            return False
        with self._session.begin() as session:
            row = self._owned(session, conversation_id, user)
            if row is None:
                return False
            row.title = title
            return True

    def delete(self, conversation_id: str, user: str) -> bool:
        """Delete the conversation and its messages (feedback given in it is kept)."""
        with self._session.begin() as session:
            row = self._owned(session, conversation_id, user)
            if row is None:
                return False
            session.delete(row)
            return True
