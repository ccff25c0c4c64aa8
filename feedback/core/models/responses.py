"""Responses, their answers, and the daily aggregates kept from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from feedback.core.models.base import utc_column


class ResponseFacts(Protocol):
    """What counting (rollups) and announcing (webhooks) a stored response read of it.

    A Response has them; so do the plain rows the submission path stores without the ORM.
    """

    id: int | None
    survey_id: str
    channel: str
    touchpoint: str | None
    language: str
    assisted: bool
    submitted_at: datetime


class Response(SQLModel, table=True):
    """One person's answers to one survey, on one channel. No IP, agent or cookie id."""

    __table_args__ = (
        UniqueConstraint("survey_id", "idempotency_key", name="uq_response_idempotency"),
        Index("ix_response_survey_submitted", "survey_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(foreign_key="survey.id", max_length=16)
    channel: str = Field(max_length=20)
    touchpoint: str | None = Field(default=None, max_length=100)
    language: str = Field(max_length=8)
    assisted: bool = False  # a person entered it on someone's behalf (not the channel's mode)
    # Sent from a preview: never counted in dashboards, alerts, scorecards or exports.
    test: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    submitted_at: datetime = utc_column()
    idempotency_key: str | None = Field(default=None, max_length=128)
    # SHA-256 of the body stored with the key: the same key with another body is refused.
    idempotency_hash: str | None = Field(default=None, max_length=64)
    # How it came in (hosted, widget, kiosk, assisted, paper, api); None: stored before it
    # was recorded.
    source: str | None = Field(default=None, max_length=12)
    # The staff user who typed it in (assisted entry), so only they may correct or void it.
    entered_by: int | None = None


class Answer(SQLModel, table=True):
    """One answer: a number (scales, yes/no as 1/0), an option id, or scrubbed text."""

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id", index=True)
    value: float | None = None
    option: str | None = Field(default=None, max_length=40)
    text: str | None = None
    # An abusive comment is hidden, never deleted: kept for audit, never shown.
    hidden: bool = False
    hidden_by: str | None = Field(default=None, max_length=80)
    hidden_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ResponseDay(SQLModel, table=True):
    """Responses per survey, day, channel, language and touchpoint (dashboards read this)."""

    __tablename__ = "response_day"

    survey_id: str = Field(foreign_key="survey.id", primary_key=True, max_length=16)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    touchpoint: str = Field(default="", primary_key=True, max_length=100)
    n: int = 0


class AnswerDay(SQLModel, table=True):
    """Count of each answer value per question and day; `value` is "5", "1" (yes) or an option."""

    __tablename__ = "answer_day"
    __table_args__ = (Index("ix_answer_day_question_day", "question_id", "day"),)

    question_id: int = Field(foreign_key="question.id", primary_key=True)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    touchpoint: str = Field(default="", primary_key=True, max_length=100)
    value: str = Field(primary_key=True, max_length=40)
    n: int = 0


class AnswerPairDay(SQLModel, table=True):
    """Joint counts of a driver answer and the overall answer of the same responses, per day.

    Driver importance (how a driver moves with satisfaction) needs respondent-level pairs;
    this cross-tab keeps that at O(days) like the other aggregates.
    """

    __tablename__ = "answer_pair_day"

    question_id: int = Field(foreign_key="question.id", primary_key=True)
    outcome_id: int = Field(foreign_key="question.id", primary_key=True)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=20)
    language: str = Field(primary_key=True, max_length=8)
    touchpoint: str = Field(default="", primary_key=True, max_length=100)
    value: str = Field(primary_key=True, max_length=40)
    outcome_value: str = Field(primary_key=True, max_length=40)
    n: int = 0
