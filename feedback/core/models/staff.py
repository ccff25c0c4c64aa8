"""Staff users, the audit log, and the installation's shared secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from feedback.core.models.base import json_field, utc_column


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
    created_at: datetime = utc_column()


class AuditEntry(SQLModel, table=True):
    """A staff action: who did what to which thing, and when. Never updated or deleted."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(index=True)
    user_id: int | None = None
    username: str = Field(max_length=80)
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=200)
    detail: dict[str, Any] | None = json_field(nullable=True)


class AppSecret(SQLModel, table=True):
    """Secrets generated once and shared by every process (signing key, salts)."""

    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    created_at: datetime = utc_column()
