"""What managers record and are told: change events, alert subscriptions and signals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from feedback.core.models.base import json_field, utc_column


class ChangeEvent(SQLModel, table=True):
    """A dated note on a service ("new online form launched"), drawn on trend charts."""

    __tablename__ = "change_event"

    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=40)
    day: date
    label: dict[str, str] = json_field()
    created_at: datetime = utc_column()


class AlertSubscription(SQLModel, table=True):
    """A staff user who wants to hear when a service's scores leave their control limits."""

    __tablename__ = "alert_subscription"
    __table_args__ = (UniqueConstraint("user_id", "service_id", name="uq_alert_subscription"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    service_id: str = Field(foreign_key="service.id", max_length=40)
    webhook_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_column()


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
    created_at: datetime = utc_column()
    emailed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    webhook_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
