"""Comments: the newest ones of a survey, hiding abusive ones (search: feedback.comments).

A hidden comment stays in the database with who hid it and when (for audit) and is left
out of every read here, so no page shows it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from feedback.core import local_time
from feedback.core.models import Answer, Response, Survey, utcnow
from feedback.core.times import as_utc
from feedback.insight.local_days import survey_zone
from feedback.insight.queries import Filters, by_dimensions

# The detail page's latest comments come from at most this many newest responses.
WALK = 2000


@dataclass(frozen=True)
class Comment:
    """A free-text answer with what a manager needs to read it in context."""

    answer_id: int
    response_id: int
    submitted_at: datetime
    channel: str
    language: str
    touchpoint: str | None
    text: str
    score: str | None  # the same response's answer to the headline question, if any


@dataclass(frozen=True)
class Search:
    """What narrows the comments beyond the shared filters: words and headline answers."""

    text: str = ""
    scores: tuple[str, ...] = ()
    headline_id: int | None = None


def _bounds(session: Session, survey_id: str, filters: Filters) -> tuple[datetime, datetime]:
    """The filters' local days, in the survey's service zone, as UTC bounds [start, end)."""
    zone = survey_zone(session, survey_id)
    return local_time.day_range(filters.since, min(filters.until, date(9998, 12, 30)), zone)


def _statement(
    survey_id: str,
    filters: Filters,
    search: Search,
    within: Any = None,
    bounds: tuple[datetime, datetime] | None = None,
) -> tuple[Any, Any]:
    """The comments query (not ordered) and the headline answer's value column.

    `within`, a subquery of response ids, drives the query when given; else `bounds`.
    """
    overall = aliased(Answer)
    stmt = (
        select(
            col(Answer.id),
            col(Response.id),
            col(Response.submitted_at),
            col(Response.channel),
            col(Response.language),
            col(Response.touchpoint),
            col(Answer.text),
            col(overall.value),
        )
        .select_from(within if within is not None else Response)
        .join(Answer, col(Answer.response_id) == Response.id)
        .outerjoin(
            overall,
            and_(
                col(overall.response_id) == Response.id,
                col(overall.question_id) == (search.headline_id or -1),
            ),
        )
        .where(
            col(Answer.text).is_not(None),
            col(Answer.text) != "",
            col(Answer.hidden).is_(False),
        )
    )
    if within is None:  # else the subquery has picked the survey's responses in the range
        assert bounds is not None
        stmt = stmt.where(
            col(Response.survey_id) == survey_id,
            col(Response.test).is_(False),
            col(Response.submitted_at) >= bounds[0],
            col(Response.submitted_at) < bounds[1],
        )
    stmt = by_dimensions(stmt, Response, filters)
    if search.scores and search.headline_id:
        stmt = stmt.where(col(overall.value).in_([float(v) for v in search.scores]))
    return stmt, overall.value


def _comment(row: Any, zone: str | None = None) -> Comment:
    """A comment row, its time in the service's zone (pages show the service's clock)."""
    answer_id, response_id, at, channel, language, touchpoint, text, value = row
    score = None if value is None else str(int(value))
    at = as_utc(at).astimezone(local_time.zone(zone)) if zone else at
    return Comment(answer_id, response_id, at, channel, language, touchpoint, text, score)


def latest(
    session: Session,
    *,
    survey_id: str,
    filters: Filters,
    headline_id: int | None = None,
    limit: int = 10,
    walk: int = WALK,
) -> list[Comment]:
    """The newest comments among the survey's `walk` newest responses in the date range.

    The walk is an index-only read of (survey, submitted_at), so its cost is bounded
    whatever the data size, even when the channel, language or touchpoint filters match
    nothing; the comments page searches everything.
    """
    start, end = _bounds(session, survey_id, filters)
    newest = (
        select(col(Response.id))
        .where(
            col(Response.survey_id) == survey_id,
            col(Response.test).is_(False),  # preview answers are nobody's comments
            col(Response.submitted_at) >= start,
            col(Response.submitted_at) < end,
        )
        .order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
        .limit(walk)
    )
    ids = newest.subquery()
    within = ids.join(Response, col(Response.id) == ids.c.id)
    stmt, _ = _statement(survey_id, filters, Search(headline_id=headline_id), within)
    ordered = stmt.order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
    zone = survey_zone(session, survey_id)
    return [_comment(r, zone) for r in session.execute(ordered.limit(limit))]


def survey_of(session: Session, answer_id: int) -> Survey | None:
    """The survey a comment belongs to (to check who may hide it)."""
    stmt = (
        select(Survey)
        .join(Response, col(Response.survey_id) == Survey.id)
        .join(Answer, col(Answer.response_id) == Response.id)
        .where(col(Answer.id) == answer_id, col(Answer.text).is_not(None))
    )
    return session.scalars(stmt).first()


def hide(session: Session, *, answer_id: int, by: str) -> bool:
    """Hide a comment for good, noting who and when; False if it was already hidden."""
    answer = session.get(Answer, answer_id)
    if answer is None or answer.text is None or answer.hidden:
        return False
    answer.hidden = True
    answer.hidden_by = by
    answer.hidden_at = utcnow()
    session.add(answer)
    session.flush()
    return True


def hidden_count(session: Session, *, survey_ids: Sequence[str]) -> int:
    """How many comments of these surveys are hidden (shown as a number, never as text)."""
    stmt = (
        select(func.count())
        .select_from(Answer)
        .join(Response, col(Response.id) == Answer.response_id)
        # `= true`, as the partial index ix_answer_hidden says (SQLite matches it literally).
        .where(col(Response.survey_id).in_(survey_ids), col(Answer.hidden) == True)  # noqa: E712
    )
    return int(session.execute(stmt).scalar_one())
