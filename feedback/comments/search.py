"""The inbox: comments a person may see, newest first, filtered and searched, a page at a time.

Pages are cut by the last row shown (keyset), never by an offset: page 400 costs what page 1
costs. Dates are local days of each comment's service, so "last month" means the same
calendar month a manager sees on every other page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, func, literal_column, or_, select, text
from sqlmodel import Session, col

from feedback.comments import text as folding
from feedback.core import local_time
from feedback.core.models import Answer, Comment, CommentTheme, Service, Survey, Theme
from feedback.core.times import as_utc

SHORTCUTS = ("last7", "last30", "last90", "last_month", "this_quarter")
# Bands of the headline score as a share of its scale (1-2 of 5 low, 3 middle, 4-5 high).
BANDS = {"low": (0.0, 40.0), "middle": (40.0, 70.0), "high": (70.0, 100.1)}
URGENT_SHOWN = 20


def shortcut_days(name: str, today: date) -> tuple[date, date]:
    """The first and last local day of a date shortcut, ending today."""
    if name.startswith("last") and name[4:].isdigit():
        return today - timedelta(days=int(name[4:]) - 1), today
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if name == "this_quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    raise ValueError(name)


@dataclass(frozen=True)
class Inbox:
    """What narrows the inbox. `services` None: every service (an admin)."""

    services: tuple[str, ...] | None = None
    service_id: str | None = None
    survey_id: str | None = None
    channel: str | None = None
    language: str | None = None
    band: str | None = None
    theme_id: int | None = None
    status: str | None = None
    shortcut: str | None = None
    since: date | None = None
    until: date | None = None
    text: str = ""
    urgent: bool = False
    channels: tuple[str, ...] = ()  # any of these (the survey page's shared filters)
    scores: tuple[float, ...] = ()  # headline answers as given
    touchpoint: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: just older than this comment."""

    at: datetime
    answer_id: int

    def token(self) -> str:
        """The cursor as a query parameter."""
        return f"{as_utc(self.at).strftime('%Y%m%d%H%M%S%f')}-{self.answer_id}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """A cursor from its parameter; None when absent or malformed."""
        try:
            stamp, answer = (raw or "").split("-")
            return cls(datetime.strptime(stamp + "+0000", "%Y%m%d%H%M%S%f%z"), int(answer))
        except ValueError:
            return None


@dataclass
class Item:
    """One comment of the inbox with what is shown beside it."""

    comment: Comment
    text: str
    survey_title: dict[str, str]
    service_name: dict[str, str]
    themes: list[tuple[Theme, str]] = field(default_factory=list)  # (theme, source)


def _zones(session: Session, query: Inbox) -> dict[str, str]:
    stmt = select(col(Service.id), col(Service.time_zone))
    if query.service_id:
        stmt = stmt.where(col(Service.id) == query.service_id)
    if query.services is not None:
        stmt = stmt.where(col(Service.id).in_(query.services))
    return {k: v for k, v in session.execute(stmt)}


def _dates(session: Session, query: Inbox, now: datetime | None) -> Any:
    """The date condition: each service's own local days (None: no date limit)."""
    if not (query.shortcut or query.since or query.until):
        return None
    rules = []
    for service_id, zone in _zones(session, query).items():
        today = local_time.today(zone, now)
        if query.shortcut:
            first, last = shortcut_days(query.shortcut, today)
        else:
            first, last = query.since or date(2000, 1, 1), query.until or today
        start, end = local_time.day_range(first, min(last, date(9998, 12, 30)), zone)
        rules.append(
            and_(
                col(Comment.service_id) == service_id,
                col(Comment.submitted_at) >= start,
                col(Comment.submitted_at) < end,
            )
        )
    return or_(*rules) if rules else false()


def matching(session: Session, words: list[tuple[str, ...]]) -> Any:
    """The full-text condition on Comment for these query words."""
    if session.get_bind().dialect.name == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'"), col(Comment.terms))
        return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), folding.tsquery(words)))
    ids = text("SELECT rowid FROM comment_fts WHERE comment_fts MATCH :fts").bindparams(
        fts=folding.fts5_query(words)
    )
    return col(Comment.answer_id).in_(ids)


def conditions(session: Session, query: Inbox, now: datetime | None = None) -> list[Any]:
    """Every condition the query puts on Comment."""
    where: list[Any] = []
    if query.services is not None:
        where.append(col(Comment.service_id).in_(query.services))
    for column, value in (
        (Comment.service_id, query.service_id),
        (Comment.survey_id, query.survey_id),
        (Comment.channel, query.channel),
        (Comment.language, query.language),
        (Comment.status, query.status),
    ):
        if value:
            where.append(col(column) == value)
    if query.channels:
        where.append(col(Comment.channel).in_(query.channels))
    if query.scores:
        where.append(col(Comment.score).in_(query.scores))
    if query.touchpoint:
        where.append(col(Comment.touchpoint) == query.touchpoint)
    if query.band in BANDS:
        low, high = BANDS[query.band]
        where += [col(Comment.score_pct) >= low, col(Comment.score_pct) < high]
    if query.theme_id is not None:
        where.append(
            exists().where(
                col(CommentTheme.answer_id) == Comment.answer_id,
                col(CommentTheme.theme_id) == query.theme_id,
            )
        )
    if query.urgent:
        where.append(col(Comment.urgent).is_(True))
    dates = _dates(session, query, now)
    if dates is not None:
        where.append(dates)
    words = folding.query_terms(query.text)
    if words:
        where.append(matching(session, words))
    return where


def page(
    session: Session,
    query: Inbox,
    *,
    after: Cursor | None = None,
    limit: int = 25,
    now: datetime | None = None,
) -> tuple[list[Item], Cursor | None]:
    """Up to `limit` comments older than `after`, newest first, and the next page's cursor."""
    stmt = select(Comment).where(*conditions(session, query, now))
    if after is not None:
        at = _bind_time(session, after.at)
        stmt = stmt.where(
            or_(
                col(Comment.submitted_at) < at,
                and_(col(Comment.submitted_at) == at, col(Comment.answer_id) < after.answer_id),
            )
        )
    stmt = stmt.order_by(col(Comment.submitted_at).desc(), col(Comment.answer_id).desc())
    rows = list(session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    following = Cursor(as_utc(rows[-1].submitted_at), rows[-1].answer_id) if more and rows else None
    return details(session, rows), following


def _bind_time(session: Session, moment: datetime) -> datetime:
    # SQLite keeps naive UTC text; an aware value would not compare equal to it.
    if session.get_bind().dialect.name == "sqlite":
        return as_utc(moment).replace(tzinfo=None)
    return as_utc(moment)


def open_urgent(session: Session, query: Inbox) -> list[Item]:
    """Urgent comments not yet acknowledged that the person may see (kept on top)."""
    stmt = select(Comment).where(
        col(Comment.urgent).is_(True), col(Comment.acknowledged_at).is_(None)
    )
    if query.services is not None:
        stmt = stmt.where(col(Comment.service_id).in_(query.services))
    if query.service_id:
        stmt = stmt.where(col(Comment.service_id) == query.service_id)
    stmt = stmt.order_by(col(Comment.submitted_at).desc()).limit(URGENT_SHOWN)
    return details(session, list(session.scalars(stmt)))


def details(session: Session, rows: Sequence[Comment]) -> list[Item]:
    """Each comment with its text, survey, service and themes (four reads for a page)."""
    if not rows:
        return []
    ids = [c.answer_id for c in rows]
    texts = dict(
        session.execute(
            select(col(Answer.id), col(Answer.text)).where(col(Answer.id).in_(ids))
        ).all()
    )
    survey_ids = {c.survey_id for c in rows}
    titles = dict(
        session.execute(
            select(col(Survey.id), col(Survey.title)).where(col(Survey.id).in_(survey_ids))
        ).all()
    )
    names = dict(
        session.execute(
            select(col(Service.id), col(Service.name)).where(
                col(Service.id).in_({c.service_id for c in rows})
            )
        ).all()
    )
    themes: dict[int, list[tuple[Theme, str]]] = {}
    stmt = (
        select(col(CommentTheme.answer_id), Theme, col(CommentTheme.source))
        .join(Theme, col(Theme.id) == CommentTheme.theme_id)
        .where(col(CommentTheme.answer_id).in_(ids))
    )
    for answer_id, theme, source in session.execute(stmt):
        themes.setdefault(answer_id, []).append((theme, source))
    return [
        Item(c, texts.get(c.answer_id) or "", titles.get(c.survey_id, {}),
             names.get(c.service_id, {}), themes.get(c.answer_id, []))
        for c in rows
    ]  # fmt: skip


def choices(
    session: Session, services: tuple[str, ...] | None
) -> tuple[list[Service], list[Survey]]:
    """The services and surveys the filters offer (those the person may see)."""
    found = select(Service).order_by(col(Service.id))
    asked = select(Survey).order_by(col(Survey.service_id), col(Survey.id))
    if services is not None:
        found = found.where(col(Service.id).in_(services))
        asked = asked.where(col(Survey.service_id).in_(services))
    return list(session.scalars(found)), list(session.scalars(asked))


def count(session: Session, query: Inbox, *, cap: int = 10_000) -> tuple[int, bool]:
    """How many comments match, reading at most `cap` + 1; True when there are more."""
    matching_ids = (
        select(col(Comment.answer_id)).where(*conditions(session, query)).limit(cap + 1).subquery()
    )
    n = int(session.execute(select(func.count()).select_from(matching_ids)).scalar_one())
    return min(n, cap), n > cap
