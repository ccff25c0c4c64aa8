"""Reads for dashboards and exports. Dashboards read the daily aggregates, never raw rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from feedback.models import (
    Answer,
    AnswerDay,
    ChangeEvent,
    Question,
    Response,
    ResponseDay,
    Survey,
    utcnow,
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
    def last_days(cls, days: int, today: date | None = None) -> Filters:
        """The `days` days up to and including today."""
        end = today or utcnow().date()
        return cls(since=end - timedelta(days=days - 1), until=end)


def _narrow(stmt: Any, table: Any, filters: Filters) -> Any:
    stmt = stmt.where(table.day >= filters.since, table.day <= filters.until)
    return _by_dimensions(stmt, table, filters)


def _by_dimensions(stmt: Any, table: Any, filters: Filters) -> Any:
    """Narrow to the filters' channels, languages and touchpoint."""
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


def _as_date(value: Any) -> date:
    # SQLite hands back aggregate dates as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class Comment:
    """A free-text answer with what a manager needs to read it in context."""

    response_id: int
    submitted_at: datetime
    channel: str
    language: str
    touchpoint: str | None
    text: str


def latest_comments(
    session: Session, *, survey_id: str, filters: Filters, limit: int = 20
) -> list[Comment]:
    """The newest comments of a survey within the filters."""
    start = datetime.combine(filters.since, time.min)
    end = datetime.combine(filters.until + timedelta(days=1), time.min)
    stmt = (
        select(
            Response.id,
            Response.submitted_at,
            Response.channel,
            Response.language,
            Response.touchpoint,
            Answer.text,
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.survey_id == survey_id,
            col(Answer.text).is_not(None),
            Response.submitted_at >= start,
            Response.submitted_at < end,
        )
        .order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
        .limit(limit)
    )
    stmt = _by_dimensions(stmt, Response, filters)
    return [Comment(*row) for row in session.execute(stmt)]


def touchpoints(session: Session, *, survey_id: str) -> list[str]:
    """The touchpoints a survey has answers from, for the filter list."""
    stmt = (
        select(ResponseDay.touchpoint)
        .where(ResponseDay.survey_id == survey_id, ResponseDay.touchpoint != "")
        .distinct()
        .order_by(ResponseDay.touchpoint)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ExportRow:
    """One response with its answers keyed by question key (lists for multi)."""

    id: int
    submitted_at: datetime
    channel: str
    language: str
    touchpoint: str | None
    assisted: bool
    answers: dict[str, Any]


def iter_responses(
    session: Session,
    *,
    survey: Survey,
    questions: list[Question],
    since: date | None = None,
    until: date | None = None,
    batch: int = 5000,
) -> Iterator[ExportRow]:
    """Every response of a survey in id order, fetched in batches so memory stays flat."""
    by_id = {q.id: q for q in questions}
    after = 0
    while True:
        stmt = select(Response).where(Response.survey_id == survey.id, col(Response.id) > after)
        if since:
            stmt = stmt.where(Response.submitted_at >= datetime.combine(since, time.min))
        if until:
            end = datetime.combine(until + timedelta(days=1), time.min)
            stmt = stmt.where(Response.submitted_at < end)
        rows = list(session.scalars(stmt.order_by(col(Response.id)).limit(batch)))
        if not rows:
            return
        ids = [r.id for r in rows]
        answers: dict[int, dict[str, Any]] = {i: {} for i in ids if i is not None}
        for answer in session.scalars(select(Answer).where(col(Answer.response_id).in_(ids))):
            question = by_id.get(answer.question_id)
            if question is None:
                continue
            target = answers[answer.response_id]
            if question.kind == "multi":
                target.setdefault(question.key, []).append(answer.option)
            elif question.kind == "yes_no":
                target[question.key] = bool(answer.value)
            elif question.kind == "choice":
                target[question.key] = answer.option
            elif question.kind == "text":
                target[question.key] = answer.text
            else:
                target[question.key] = int(answer.value) if answer.value is not None else None
        for r in rows:
            assert r.id is not None
            yield ExportRow(
                r.id,
                r.submitted_at,
                r.channel,
                r.language,
                r.touchpoint,
                r.assisted,
                answers[r.id],
            )
        session.expunge_all()
        after = ids[-1] or after


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
