"""API tokens, webhooks and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index
from sqlmodel import Field, SQLModel

from feedback.core.models.base import json_field, utc_column


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
    created_at: datetime = utc_column()
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
    created_at: datetime = utc_column()


class WebhookDelivery(SQLModel, table=True):
    """One message to one webhook: an outbox row, retried with backoff until sent or given up."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=40)
    payload: dict[str, Any] = json_field()
    status: str = Field(default="pending", max_length=10)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = utc_column()
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = utc_column()
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
