"""Staff users, the audit log, and the installation's shared secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from feedback.core.models.base import json_field, utc_column


class StaffUser(SQLModel, table=True):
    """A staff account: admin, manager, viewer or agent, limited to some services."""

    __tablename__ = "staff_user"
    # Single sign-on links an account by its provider and subject, never by email alone.
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    # "" for accounts that only sign in through single sign-on (no password matches it).
    password_hash: str = Field(max_length=200)
    # "" until an admin grants a role (a first single sign-on makes such an account).
    role: str = Field(max_length=10)
    email: str | None = Field(default=None, max_length=200)
    service_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    created_at: datetime = utc_column()
    totp_secret: str | None = Field(default=None, max_length=64)
    # The last time step whose code was accepted: the same code is never taken twice.
    totp_last_step: int | None = None
    # Hashes of the unused one-time recovery codes.
    recovery_codes: list[str] = Field(default_factory=list, sa_type=JSON)
    oidc_issuer: str | None = Field(default=None, max_length=200)
    oidc_subject: str | None = Field(default=None, max_length=200)


class StaffSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, the table only its hash."""

    __tablename__ = "staff_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    method: str = Field(max_length=10)  # password, totp, recovery or sso
    created_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


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
