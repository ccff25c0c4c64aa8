"""Instants: stored in UTC; a naive timestamp (as SQLite hands it back) is UTC already."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive timestamp is taken to be UTC already."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 text of the instant in UTC (so text order is time order)."""
    return as_utc(moment).isoformat()
