"""Feedback on answers (thumbs, corrections), and its export as evaluation rows.

A feedback record keeps a copy of what was judged: the question, the standalone
question, the answer, its citations and the index generation it was answered from, so
it survives the conversation being deleted and can be replayed by ``qa eval``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from qa.app.records.database import Base, session_factory, utcnow
from qa.indexing.sync import manifest_path
from qa.settings import Settings
from qa.types import Answer

UP, NONE, DOWN = 1, 0, -1
_ANSWER_IS = re.compile(
    r"^\s*(?:the\s+)?(?:correct\s+|right\s+)?answer\s+(?:is|was|should be)\s*:?\s*", re.I
)
_DONT_SAY = re.compile(
    r"^\s*(?:the\s+)?articles?\s+(?:don'?t|do not|doesn'?t|does not)\s+say\b"
    r"|^\s*(?:not in the articles|unanswerable|no answer)\b",
    re.I,
)


def index_generation(settings: Settings) -> str:
    """Which state of the index an answer came from: a digest of the last sync's manifest.

    Swap for the sync's own generation number once it writes one.
    """
    path = manifest_path(settings)
    if not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def parse_correction(text: str) -> tuple[str, bool]:
    """(the answer, unanswerable) from "the answer is …" or "the articles don't say"."""
    text = " ".join((text or "").replace("’", "'").split())
    if _DONT_SAY.match(text):
        return "", True
    answer = _ANSWER_IS.sub("", text).strip().rstrip(".").strip()
    return answer.strip("\"“”'"), False


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("user", "conversation_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(String(200), index=True, default="")
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)  # no FK: outlives it
    position: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(Integer, default=NONE)  # 1 up, -1 down, 0 none
    correction: Mapped[str] = mapped_column(Text, default="")  # the right answer, if given
    unanswerable: Mapped[bool] = mapped_column(default=False)  # "the articles don't say"
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    short_answer: Mapped[str] = mapped_column(Text, default="")
    abstained: Mapped[bool] = mapped_column(default=False)
    citations: Mapped[list] = mapped_column(JSON, default=list)
    generation: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass
class Feedback:
    user: str
    conversation_id: str
    position: int
    rating: int
    correction: str
    unanswerable: bool
    question: str
    standalone_question: str
    answer: str
    short_answer: str
    abstained: bool
    citations: list[dict]
    generation: str
    updated_at: datetime


def _feedback(row: FeedbackRow) -> Feedback:
    return Feedback(
        row.user,
        row.conversation_id,
        row.position,
        row.rating,
        row.correction,
        row.unanswerable,
        row.question,
        row.standalone_question,
        row.answer,
        row.short_answer,
        row.abstained,
        list(row.citations or []),
        row.generation,
        row.updated_at,
    )


class FeedbackStore:
    """One feedback record per answer (per user, conversation and position)."""

    def __init__(self, url: str):
        self._session = session_factory(url, [FeedbackRow.__table__])

    def record(
        self,
        user: str,
        conversation_id: str,
        position: int,
        question: str,
        answer: Answer,
        generation: str,
        *,
        rating: int | None = None,
        correction: str | None = None,
    ) -> Feedback:
        """Create or update the feedback on one answer; None leaves a field as it was.

        ``correction`` is free text: "the answer is …" or "the articles don't say".
        """
        with self._session.begin() as session:
            row = session.scalars(
                select(FeedbackRow).where(
                    FeedbackRow.user == user,
                    FeedbackRow.conversation_id == conversation_id,
                    FeedbackRow.position == position,
                )
            ).first()
            if row is None:
                row = FeedbackRow(user=user, conversation_id=conversation_id, position=position)
                session.add(row)
            row.question = question
            row.standalone_question = answer.standalone_question
            row.answer = answer.answer
            # What the reader saw in bold: an unconfident short answer was not shown.
            row.short_answer = answer.short_answer if answer.short_answer_confident else ""
            row.abstained = answer.abstained
            row.citations = [
                {k: v for k, v in c.__dict__.items() if k != "supported"} for c in answer.citations
            ]
            row.generation = generation
            if rating is not None:
                row.rating = rating
            if correction is not None:
                row.correction, row.unanswerable = parse_correction(correction)
            row.updated_at = utcnow()
            session.flush()
            return _feedback(row)

    def ratings(self, user: str, conversation_id: str) -> dict[int, int]:
        """position -> rating for one conversation (to show the thumbs when it is reopened)."""
        with self._session() as session:
            rows = session.execute(
                select(FeedbackRow.position, FeedbackRow.rating).where(
                    FeedbackRow.user == user, FeedbackRow.conversation_id == conversation_id
                )
            ).all()
        return {r.position: r.rating for r in rows}

    def all(self) -> list[Feedback]:
        """Every user's feedback, oldest first (for the export)."""
        with self._session() as session:
            rows = session.scalars(select(FeedbackRow).order_by(FeedbackRow.updated_at)).all()
            return [_feedback(r) for r in rows]


def eval_row(fb: Feedback, earlier: list[str] | None = None) -> tuple[dict | None, str]:
    """The ``qa eval`` row this feedback makes, or (None, why not).

    ``earlier``: the questions asked before this one in its conversation. A follow-up's row
    keeps the question as asked with them (``qa eval`` replays the conversation), so that
    a wrong rewrite at the time is not stored as the question; the rewrite shown then is
    kept as ``standalone`` for the reader."""
    asked_alone = fb.standalone_question or fb.question
    if earlier:
        row: dict = {"question": fb.question, "history": list(earlier)}
        if fb.standalone_question and fb.standalone_question != fb.question:
            row["standalone"] = fb.standalone_question
    else:
        row = {"question": asked_alone}
        if fb.standalone_question and fb.standalone_question != fb.question:
            row["asked"] = fb.question
    if fb.unanswerable or (fb.rating == UP and fb.abstained and not fb.correction):
        row.update(answers=[], unanswerable=True)
    elif fb.correction:
        source = next(
            (c["article"] for c in fb.citations if fb.correction.lower() in c["quote"].lower()),
            "",
        )
        row.update(answers=[fb.correction], source=source)
    elif fb.rating == UP and fb.short_answer and fb.citations:
        row.update(answers=[fb.short_answer], source=fb.citations[0]["article"])
    elif fb.rating == UP and fb.citations:
        # No short answer was shown: the up-vote endorses the cited articles (an
        # article-set row, scored by the recall and precision of the cited articles).
        row.update(sources=sorted({c["article"] for c in fb.citations}))
    elif fb.rating == UP:
        return None, "up-voted answer without a citation (nothing to check it against)"
    elif fb.rating == DOWN:
        return None, "down-voted without a correction"
    else:
        return None, "no rating and no correction"
    row["feedback"] = {"rating": fb.rating, "generation": fb.generation}
    return row, ""


def export_rows(
    records: list[Feedback], earlier: Callable[[Feedback], list[str]] | None = None
) -> tuple[list[dict], list[dict]]:
    """Eval rows (the latest feedback per question in its conversation wins) and the
    skipped records. ``earlier(fb)``: the questions asked before fb's in its conversation."""
    latest: dict[tuple, dict] = {}
    skipped: list[dict] = []
    for fb in records:  # oldest first, so later feedback replaces earlier
        row, why = eval_row(fb, earlier(fb) if earlier else None)
        if row is None:
            skipped.append({"question": fb.question, "reason": why})
            continue
        key = tuple(" ".join(q.lower().split()) for q in [*row.get("history", []), row["question"]])
        latest[key] = row
    return list(latest.values()), skipped


def earlier_questions(conversations) -> Callable[[Feedback], list[str]]:
    """``earlier(fb)`` from a ConversationStore: the user's questions before fb's answer."""
    cache: dict[tuple[str, str], object] = {}

    def earlier(fb: Feedback) -> list[str]:
        key = (fb.user, fb.conversation_id)
        if key not in cache:
            cache[key] = conversations.get(fb.conversation_id, fb.user)
        conversation = cache[key]
        if conversation is None:  # deleted since: the question as it was rewritten then
            return []
        return [
            m.content
            for m in conversation.messages
            if m.role == "user" and m.position < fb.position - 1
        ]

    return earlier
