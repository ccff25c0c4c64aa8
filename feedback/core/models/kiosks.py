"""Kiosk tablets an admin has enrolled: only they may send answers on the kiosk channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from feedback.core.models.base import utc_column


class KioskDevice(SQLModel, table=True):
    """One tablet. The tablet keeps a random secret; the table only its SHA-256."""

    __tablename__ = "kiosk_device"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    # The one-time enrolment link's code (hashed), until the tablet opens it or it expires.
    enrol_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrol_expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The secret the tablet keeps (hashed); None until enrolled.
    secret_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = utc_column()
    created_by: str = Field(max_length=80)
    enrolled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Updated at most once a minute, so a busy tablet does not write on every post.
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_by: str | None = Field(default=None, max_length=80)
