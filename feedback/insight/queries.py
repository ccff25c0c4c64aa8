"""Reads for dashboards and exports. Dashboards read the daily aggregates, never raw rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import Date, cast, func, literal_column, null, select
from sqlmodel import Session, col

from feedback.core import local_time
from feedback.core.models import (
    AnswerDay,
    AnswerPairDay,
    ChangeEvent,
    ResponseDay,
)


@dataclass(frozen=True)
class Filters:
    """What every dashboard view can be narrowed by; all plain GET parameters."""

    since: date
    until: date
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    touchpoint: str | None = None

    @classmethod
    def last_days(cls, days: int, today: date | None = None, zone: str | None = None) -> Filters:
        """The `days` local days up to and including today (in `zone`, UTC if not given)."""
        end = today or local_time.today(zone)
        return cls(since=end - timedelta(days=days - 1), until=end)


def _narrow(stmt: Any, table: Any, filters: Filters) -> Any:
    stmt = stmt.where(table.day >= filters.since, table.day <= filters.until)
    return by_dimensions(stmt, table, filters)


class Dimensions(Protocol):
    """What narrows a selection besides dates (dashboard Filters, export Selection)."""

    @property
    def channels(self) -> tuple[str, ...]: ...
    @property
    def languages(self) -> tuple[str, ...]: ...
    @property
    def touchpoint(self) -> str | None: ...


def by_dimensions(stmt: Any, table: Any, filters: Dimensions) -> Any:
    """Narrow to the filters' channels, languages and touchpoint on `table`'s columns."""
    if filters.channels:
        stmt = stmt.where(col(table.channel).in_(filters.channels))
    if filters.languages:
        stmt = stmt.where(col(table.language).in_(filters.languages))
    if filters.touchpoint:
        stmt = stmt.where(table.touchpoint == filters.touchpoint)
    return stmt


def daily_answers(
    session: Session, *, question_id: int, filters: Filters
) -> list[tuple[date, str, str, int]]:
    """(day, channel, value, count) for one question from the aggregates."""
    stmt = select(AnswerDay.day, AnswerDay.channel, AnswerDay.value, func.sum(AnswerDay.n)).where(
        AnswerDay.question_id == question_id
    )
    stmt = _narrow(stmt, AnswerDay, filters).group_by(
        AnswerDay.day, AnswerDay.channel, AnswerDay.value
    )
    return [(_as_date(d), c, v, int(n)) for d, c, v, n in session.execute(stmt)]


def daily_responses(
    session: Session, *, survey_id: str, filters: Filters
) -> list[tuple[date, str, int]]:
    """(day, channel, responses) for one survey from the aggregates."""
    stmt = select(ResponseDay.day, ResponseDay.channel, func.sum(ResponseDay.n)).where(
        ResponseDay.survey_id == survey_id
    )
    stmt = _narrow(stmt, ResponseDay, filters).group_by(ResponseDay.day, ResponseDay.channel)
    return [(_as_date(d), c, int(n)) for d, c, n in session.execute(stmt)]


GRAINS = ("week", "month")


def _period(session: Session, day: Any, grain: str) -> Any:
    """A SQL expression for the start of the week (Monday) or month holding `day`, or the day."""
    if grain == "day":
        return day
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(grain, day), Date)
    if grain == "month":
        return func.date(day, "start of month")
    # Back six days, then forward to the next Monday: the Monday on or before `day`.
    return func.date(day, "-6 days", "weekday 1")


def answer_counts(
    session: Session,
    *,
    question_id: int,
    filters: Filters,
    grain: str | None = None,
    since: date | None = None,
    until: date | None = None,
    by_channel: bool = True,
) -> list[tuple[date, str, str, int]]:
    """(period start, channel, value, count) for one question, summed in the database.

    `grain` is "day", "week" or "month"; with none the whole range is one period, dated
    `since`. `since`/`until` override the filters' dates (before/after windows around a
    change). Without `by_channel` the channels are summed and reported as "". The rows
    returned are O(periods x channels x values) whatever the number of responses.
    """
    window = Filters(
        since or filters.since,
        until or filters.until,
        filters.channels,
        filters.languages,
        filters.touchpoint,
    )
    period = _period(session, AnswerDay.day, grain) if grain else null()
    channel = AnswerDay.channel if by_channel else literal_column("''")
    dims = [period.label("period"), channel.label("channel"), AnswerDay.value]
    grouped = [d for d, keep in zip(dims, (grain, by_channel, True), strict=True) if keep]
    stmt = select(*dims, func.sum(AnswerDay.n)).where(AnswerDay.question_id == question_id)
    stmt = _narrow(stmt, AnswerDay, window).group_by(*grouped)
    return [
        (_as_date(d) if grain else window.since, c, v, int(n))
        for d, c, v, n in session.execute(stmt)
    ]


def response_counts(
    session: Session, *, survey_ids: Sequence[str], filters: Filters, grain: str | None = None
) -> list[tuple[str, date, str, int]]:
    """(survey, period start, channel, responses) for some surveys, summed in the database."""
    if not survey_ids:
        return []
    dims: list[Any] = [ResponseDay.survey_id, ResponseDay.channel]
    if grain is not None:
        dims.append(_period(session, ResponseDay.day, grain).label("period"))
    stmt = select(*dims, func.sum(ResponseDay.n)).where(col(ResponseDay.survey_id).in_(survey_ids))
    stmt = _narrow(stmt, ResponseDay, filters).group_by(*dims)
    if grain is None:
        return [(s, filters.since, c, int(n)) for s, c, n in session.execute(stmt)]
    return [(s, _as_date(d), c, int(n)) for s, c, d, n in session.execute(stmt)]


def answers_by_channel(
    session: Session, *, question_ids: Sequence[int], filters: Filters
) -> dict[int, list[tuple[str, str, int]]]:
    """(channel, value, count) per question over the whole range, for several questions."""
    out: dict[int, list[tuple[str, str, int]]] = {q: [] for q in question_ids}
    if not question_ids:
        return out
    stmt = select(AnswerDay.question_id, AnswerDay.channel, AnswerDay.value, func.sum(AnswerDay.n))
    stmt = _narrow(stmt.where(col(AnswerDay.question_id).in_(question_ids)), AnswerDay, filters)
    stmt = stmt.group_by(AnswerDay.question_id, AnswerDay.channel, AnswerDay.value)
    for question, channel, value, n in session.execute(stmt):
        out[question].append((channel, value, int(n)))
    return out


def pair_counts(
    session: Session, *, question_ids: Sequence[int], outcome_id: int, filters: Filters
) -> dict[int, dict[tuple[str, str], int]]:
    """(driver answer, overall answer) -> count per driver question, from the pair aggregate."""
    out: dict[int, dict[tuple[str, str], int]] = {q: {} for q in question_ids}
    if not question_ids:
        return out
    table = AnswerPairDay
    stmt = select(table.question_id, table.value, table.outcome_value, func.sum(table.n)).where(
        col(table.question_id).in_(question_ids), table.outcome_id == outcome_id
    )
    stmt = _narrow(stmt, table, filters).group_by(
        table.question_id, table.value, table.outcome_value
    )
    for question, value, outcome, n in session.execute(stmt):
        out[question][(value, outcome)] = int(n)
    return out


def _as_date(value: Any) -> date:
    # SQLite hands back aggregate dates as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def touchpoints(
    session: Session, *, survey_id: str | None = None, survey_ids: Sequence[str] = ()
) -> list[str]:
    """The touchpoints one survey (or several) has answers from, for the filter list."""
    wanted = [survey_id] if survey_id else list(survey_ids)
    stmt = (
        select(ResponseDay.touchpoint)
        .where(col(ResponseDay.survey_id).in_(wanted), ResponseDay.touchpoint != "")
        .distinct()
        .order_by(ResponseDay.touchpoint)
    )
    return list(session.scalars(stmt))


def change_events(session: Session, *, service_id: str, filters: Filters) -> list[ChangeEvent]:
    """The service's dated changes within the filters' dates, oldest first."""
    stmt = (
        select(ChangeEvent)
        .where(
            ChangeEvent.service_id == service_id,
            ChangeEvent.day >= filters.since,
            ChangeEvent.day <= filters.until,
        )
        .order_by(ChangeEvent.day)
    )
    return list(session.scalars(stmt))
