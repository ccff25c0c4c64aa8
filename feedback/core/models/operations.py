"""Shared counters for rate limits, and the periodic jobs' schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


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
