"""Local days in SQL: which service zone each survey counts in, and an instant's local day.

SQLite has no time zone database, and PostgreSQL's may differ from Python's by a release; so
both compute a local day the same way: the UTC instant plus the zone's offset, picked by a
CASE over the few offset changes (two a year where daylight saving applies) between the
first and last instants counted. Python's zoneinfo decides the offsets on both, as it does
when a single response is counted (rollups.add_many), so the two paths always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, case, cast, func, literal, literal_column, select
from sqlmodel import Session, col

from feedback.core import local_time
from feedback.core.models import Response, Service, Survey


def zones_of(session: Session, survey_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Survey id -> its service's IANA zone (every survey when `survey_ids` is None)."""
    stmt = select(Survey.id, Service.time_zone).join(Service, Service.id == Survey.service_id)
    if survey_ids is not None:
        wanted = sorted(set(survey_ids))
        if not wanted:
            return {}
        stmt = stmt.where(col(Survey.id).in_(wanted))
    return {survey_id: zone or local_time.DEFAULT_ZONE for survey_id, zone in session.execute(stmt)}


def survey_zone(session: Session, survey_id: str) -> str:
    """The zone a survey's days are counted in (UTC for an unknown survey)."""
    return zones_of(session, [survey_id]).get(survey_id, local_time.DEFAULT_ZONE)


def service_zone(session: Session, service_id: str) -> str:
    """A service's zone (UTC for an unknown service)."""
    zone = session.execute(
        select(Service.time_zone).where(Service.id == service_id)
    ).scalar_one_or_none()
    return zone or local_time.DEFAULT_ZONE


def by_zone(zones: dict[str, str]) -> dict[str, list[str]]:
    """Zone -> its surveys, each list sorted (so statements come out the same each time)."""
    out: dict[str, list[str]] = {}
    for survey_id, zone in sorted(zones.items()):
        out.setdefault(zone, []).append(survey_id)
    return out


def local_day_sql(
    session: Session, zone: str, first: datetime | None, last: datetime | None
) -> Any:
    """SQL for the local day of Response.submitted_at, exact for instants in [first, last].

    A date on PostgreSQL, ISO text on SQLite (readers turn it into a date).
    """
    submitted: Any = Response.submitted_at
    postgres = session.get_bind().dialect.name == "postgresql"
    if first is None or last is None:
        changes: list[tuple[datetime | None, int]] = [(None, 0)]
    else:
        changes = local_time.offsets(zone, first, last)
    if not postgres and len(changes) == 1 and changes[0][1] == 0:
        return func.date(submitted)

    def shift(offset: int) -> Any:
        # PostgreSQL adds seconds; SQLite's date() takes a modifier such as '-18000 seconds'
        # (a literal per branch: no string is built per row).
        return literal(offset) if postgres else literal(f"{offset:+d} seconds")

    if len(changes) == 1:
        amount: Any = shift(changes[0][1])
    else:
        # Latest change first: the first bound an instant is at or past gives its offset.
        whens = [(submitted >= start, shift(offset)) for start, offset in reversed(changes[1:])]
        amount = case(*whens, else_=shift(changes[0][1]))
    if postgres:
        # timestamptz -> UTC wall time, whatever the server's own zone, then the offset.
        utc = func.timezone("UTC", submitted)
        return cast(utc + amount * literal_column("INTERVAL '1 second'"), Date)
    return func.date(submitted, amount)


def as_date(value: Any) -> date:
    """A day as SQL hands it back (SQLite: ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
