"""SQLModel tables. Text a person reads is stored per language as a JSON mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import JSON, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


def _json(nullable: bool = False) -> Any:
    return Field(default=None if nullable else ..., sa_type=JSON, nullable=nullable)


def _utc_column(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False, **kw)


class Service(SQLModel, table=True):
    """A public service (a program or office) that surveys belong to."""

    id: str = Field(primary_key=True, max_length=40)
    name: dict[str, str] = _json()
    # Opt-in: aggregate scores and the changes made are shown on a public scorecard.
    public_scorecard: bool = False
    created_at: datetime = _utc_column()


class Survey(SQLModel, table=True):
    """A survey: its public id, languages, channels, origins and lifecycle."""

    id: str = Field(primary_key=True, max_length=16)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=40)
    template: str | None = Field(default=None, max_length=40)
    title: dict[str, str] = _json()
    languages: list[str] = _json()
    channels: list[str] = _json()
    allowed_origins: list[str] = _json()
    status: str = Field(default="draft", max_length=10)  # draft | live | closed
    retention_days: int = Field(default=183)  # comments are deleted after this many days
    # Submissions one client (a salted IP hash) may make to this survey per minute.
    client_limit_per_minute: int = Field(default=30)
    created_at: datetime = _utc_column()


class Question(SQLModel, table=True):
    """One question of a survey. `key` is its public id in the API and the widget."""

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(foreign_key="survey.id", index=True, max_length=16)
    key: str = Field(max_length=40)
    position: int
    kind: str = Field(max_length=10)
    driver: str | None = Field(default=None, max_length=40)
    required: bool = False
    text: dict[str, str] = _json()
    hint: dict[str, str] | None = _json(nullable=True)
    options: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    scale: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    show_if: dict[str, Any] | None = _json(nullable=True)
    max_length: int | None = None
    # A question that has answers is retired rather than edited, so old answers keep meaning;
    # its replacement keeps the key and takes the next version.
    retired: bool = False
    version: int = Field(default=1)


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
    assisted: bool = False
    submitted_at: datetime = _utc_column()
    idempotency_key: str | None = Field(default=None, max_length=128)


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


class ChangeEvent(SQLModel, table=True):
    """A dated note on a service ("new online form launched"), drawn on trend charts."""

    __tablename__ = "change_event"

    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=40)
    day: date
    label: dict[str, str] = _json()
    created_at: datetime = _utc_column()


class StaffUser(SQLModel, table=True):
    """A staff account: admin, manager, viewer or agent, limited to some services."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=10)
    email: str | None = Field(default=None, max_length=200)
    service_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    created_at: datetime = _utc_column()


class AlertSubscription(SQLModel, table=True):
    """A staff user who wants to hear when a service's scores leave their control limits."""

    __tablename__ = "alert_subscription"
    __table_args__ = (UniqueConstraint("user_id", "service_id", name="uq_alert_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    service_id: str = Field(foreign_key="service.id", max_length=40)
    webhook_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = _utc_column()


class AlertSignal(SQLModel, table=True):
    """A point outside its control limits; unique, so each signal is sent at most once."""

    __tablename__ = "alert_signal"
    __table_args__ = (UniqueConstraint("question_id", "channel", "period", name="uq_alert_signal"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(foreign_key="survey.id", max_length=16)
    question_id: int = Field(foreign_key="question.id")
    channel: str = Field(max_length=20)
    period: date
    direction: str = Field(max_length=4)  # up | down
    value: float
    low: float
    high: float
    created_at: datetime = _utc_column()
    emailed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    webhook_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AppSecret(SQLModel, table=True):
    """Secrets generated once and shared by every process (signing key, salts)."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime = _utc_column()


class ApiToken(SQLModel, table=True):
    """A bearer token for integrations. Only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16)  # the first characters, so people can tell tokens apart
    token_hash: str = Field(unique=True, max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)  # ingest, read
    service_ids: list[str] = Field(default_factory=list, sa_type=JSON)  # empty: every service
    created_by: str = Field(max_length=80)
    created_at: datetime = _utc_column()
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Webhook(SQLModel, table=True):
    """An address told of every new response of a service, signed with its own secret."""

    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=40)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=100)
    active: bool = True
    created_by: str = Field(max_length=80)
    created_at: datetime = _utc_column()


class WebhookDelivery(SQLModel, table=True):
    """One message to one webhook: an outbox row, retried with backoff until sent or given up."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=40)
    payload: dict[str, Any] = _json()
    status: str = Field(default="pending", max_length=10)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = _utc_column()
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = _utc_column()
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuditEntry(SQLModel, table=True):
    """A staff action: who did what to which thing, and when. Never updated or deleted."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column(index=True)
    user_id: int | None = None
    username: str = Field(max_length=80)
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=200)
    detail: dict[str, Any] | None = _json(nullable=True)


class RateCounter(SQLModel, table=True):
    """A counter per key and time window, shared by every process (rate limits, login throttling).

    `bucket` holds the key and the window start; rows past `expires_at` are deleted.
    """

    __tablename__ = "rate_counter"

    bucket: str = Field(primary_key=True, max_length=200)
    count: int = 0
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class ScheduledJob(SQLModel, table=True):
    """When a periodic job (purge, webhooks, alerts) last ran and who holds it now.

    Kept in the database so that with many workers each job runs once per period.
    """

    __tablename__ = "scheduled_job"

    name: str = Field(primary_key=True, max_length=40)
    next_run_at: datetime = Field(sa_type=DateTime(timezone=True))
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    locked_by: str | None = Field(default=None, max_length=80)
    last_result: str | None = Field(default=None, max_length=300)
