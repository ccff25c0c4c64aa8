"""Comments: search and page through them, read them for term counts, hide abusive ones.

A hidden comment stays in the database with who hid it and when (for audit) and is left
out of every read here, so no page shows it again.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from feedback.core.models import Answer, Response, Survey, utcnow
from feedback.insight.queries import Filters, by_dimensions

# Search terms are matched in both cases of each accented letter; past this many accented
# letters the rest are matched as typed (the number of patterns doubles with each one).
_MAX_VARIED = 4
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


def case_variants(needle: str) -> list[str]:
    """`needle` lowered, with each accented letter in both cases.

    SQLite's lower() folds ASCII letters only, so "École" stays "École"; matching the
    lowered text against both "é" and "É" makes the search case-insensitive in French too.
    """
    lowered = needle.lower()
    choices: list[tuple[str, ...]] = []
    varied = 0
    for ch in lowered:
        if not ch.isascii() and ch.upper() != ch and varied < _MAX_VARIED:
            varied += 1
            choices.append((ch, ch.upper()))
        else:
            choices.append((ch,))
    return ["".join(p) for p in itertools.product(*choices)]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _statement(
    survey_id: str, filters: Filters, search: Search, within: Any = None
) -> tuple[Any, Any]:
    """The comments query (not ordered) and the headline answer's value column.

    `within`, a subquery of response ids, drives the query when given.
    """
    overall = aliased(Answer)
    start = datetime.combine(filters.since, time.min)
    end = datetime.combine(filters.until + timedelta(days=1), time.min)
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
        stmt = stmt.where(
            col(Response.survey_id) == survey_id,
            col(Response.submitted_at) >= start,
            col(Response.submitted_at) < end,
        )
    stmt = by_dimensions(stmt, Response, filters)
    needle = search.text.strip()
    if needle:
        lowered = func.lower(Answer.text)
        stmt = stmt.where(
            or_(*(lowered.like(_like_pattern(v), escape="\\") for v in case_variants(needle)))
        )
    if search.scores and search.headline_id:
        stmt = stmt.where(col(overall.value).in_([float(v) for v in search.scores]))
    return stmt, overall.value


def _comment(row: Any) -> Comment:
    answer_id, response_id, at, channel, language, touchpoint, text, value = row
    score = None if value is None else str(int(value))
    return Comment(answer_id, response_id, at, channel, language, touchpoint, text, score)


def page(
    session: Session,
    *,
    survey_id: str,
    filters: Filters,
    search: Search,
    offset: int = 0,
    limit: int = 25,
) -> tuple[list[Comment], int]:
    """One page of matching comments, newest first, and how many match in all."""
    stmt, _ = _statement(survey_id, filters, search)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    ordered = stmt.order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
    rows = session.execute(ordered.offset(offset).limit(limit))
    return [_comment(r) for r in rows], int(total)


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
    start = datetime.combine(filters.since, time.min)
    end = datetime.combine(filters.until + timedelta(days=1), time.min)
    newest = (
        select(col(Response.id))
        .where(
            col(Response.survey_id) == survey_id,
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
    return [_comment(r) for r in session.execute(ordered.limit(limit))]


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
        .where(col(Response.survey_id).in_(survey_ids), col(Answer.hidden).is_(True))
    )
    return int(session.execute(stmt).scalar_one())
