"""What every table module shares: the UTC clock and column helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlmodel import Field


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


def json_field(nullable: bool = False) -> Any:
    return Field(default=None if nullable else ..., sa_type=JSON, nullable=nullable)


def utc_column(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False, **kw)
