"""Term and theme counts of comments, kept per local day and per local month.

Every write adds (or takes back) the same deltas to the daily rows and to the rows of their
month, in one upsert statement each and in the caller's transaction, so the monthly rows
are always the sums of the daily ones. Pages read whole months from the monthly rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from feedback.comments import text
from feedback.core import local_time
from feedback.core.models import (
    CommentTermDay,
    CommentTermMonth,
    CommentThemeDay,
    CommentThemeMonth,
    Service,
)

ALL = 0  # the theme id under which all comments are counted (the denominator of shares)
_ROWS = 2000  # rows per upsert statement
_TERM_KEYS = ["survey_id", "channel", "language", "term"]
_THEME_KEYS = ["survey_id", "channel", "language", "theme_id"]
_MOMENTS = ("n", "scored", "score_sum", "score_sq")


class Counted(Protocol):
    """What counting needs of a comment (an index.Incoming or a Comment row)."""

    @property
    def survey_id(self) -> str: ...
    @property
    def service_id(self) -> str: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def channel(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def score_pct(self) -> float | None: ...


class Said(Counted, Protocol):
    """A comment with its text (terms are counted from it)."""

    @property
    def text(self) -> str: ...


def zones(session: Session, service_ids: Iterable[str]) -> dict[str, str]:
    """Each service's time zone: counts are kept per local day, as every page shows days."""
    wanted = sorted(set(service_ids))
    if not wanted:
        return {}
    stmt = select(col(Service.id), col(Service.time_zone)).where(col(Service.id).in_(wanted))
    return {service_id: zone for service_id, zone in session.execute(stmt)}


def count(
    session: Session, comments: Sequence[Said], sign: int, zones_: dict[str, str] | None = None
) -> None:
    """Add (or take back) the comments' term counts and their all-comments counts."""
    if zones_ is None:
        zones_ = zones(session, {c.service_id for c in comments})
    days: Counter[tuple[str, date, str, str, str]] = Counter()
    for c in comments:
        day = local_time.local_day(c.submitted_at, zones_.get(c.service_id))
        for term in text.terms(c.text, c.language):
            days[(c.survey_id, day, c.channel, c.language, term)] += sign
    months: Counter[tuple[str, date, str, str, str]] = Counter()
    for (s, d, ch, lang, t), n in days.items():
        months[(s, d.replace(day=1), ch, lang, t)] += n
    for model, when, sums in ((CommentTermDay, "day", days), (CommentTermMonth, "month", months)):
        rows = [
            {"survey_id": s, when: d, "channel": ch, "language": lang, "term": t, "n": n}
            for (s, d, ch, lang, t), n in sorted(sums.items())
        ]
        upsert(session, model, [*_TERM_KEYS[:1], when, *_TERM_KEYS[1:]], rows)
    add_theme_days(session, [(c, ALL) for c in comments], sign, zones_)


def add_theme_days(
    session: Session,
    items: Sequence[tuple[Counted, int]],
    sign: int,
    zones_: dict[str, str] | None = None,
) -> None:
    """Add (sign +1) or take back (-1) comments under a theme, on their day and month."""
    if zones_ is None:
        zones_ = zones(session, {c.service_id for c, _ in items})
    days: dict[tuple[str, date, str, str, int], list[float]] = {}
    for c, theme_id in items:
        day = local_time.local_day(c.submitted_at, zones_.get(c.service_id))
        acc = days.setdefault((c.survey_id, day, c.channel, c.language, theme_id), [0, 0, 0, 0])
        acc[0] += sign
        if c.score_pct is not None:
            acc[1] += sign
            acc[2] += sign * c.score_pct
            acc[3] += sign * c.score_pct * c.score_pct
    months: dict[tuple[str, date, str, str, int], list[float]] = {}
    for (s, d, ch, lang, t), a in days.items():
        acc = months.setdefault((s, d.replace(day=1), ch, lang, t), [0, 0, 0, 0])
        for i, v in enumerate(a):
            acc[i] += v
    for model, when, sums in ((CommentThemeDay, "day", days), (CommentThemeMonth, "month", months)):
        rows = [
            {"survey_id": s, when: d, "channel": ch, "language": lang, "theme_id": t,
             "n": int(a[0]), "scored": int(a[1]), "score_sum": a[2], "score_sq": a[3]}
            for (s, d, ch, lang, t), a in sorted(sums.items())
        ]  # fmt: skip
        upsert(session, model, [*_THEME_KEYS[:1], when, *_THEME_KEYS[1:]], rows, _MOMENTS)


def prune(session: Session, survey_ids: Iterable[str]) -> None:
    """Drop these surveys' counts that reached zero, as if never kept."""
    wanted = sorted(set(survey_ids))
    for model in (CommentTermDay, CommentThemeDay, CommentTermMonth, CommentThemeMonth):
        session.execute(delete(model).where(col(model.survey_id).in_(wanted), col(model.n) <= 0))


def clear(session: Session, survey_ids: Sequence[str] | None = None) -> None:
    """Delete every count (of these surveys only, when given): before a rebuild."""
    for model in (CommentTermDay, CommentThemeDay, CommentTermMonth, CommentThemeMonth):
        stmt = delete(model)
        if survey_ids is not None:
            stmt = stmt.where(col(model.survey_id).in_(survey_ids))
        session.execute(stmt)


_UPSERTS: dict[tuple[str, str], Any] = {}


def upsert(
    session: Session,
    model: Any,
    keys: list[str],
    rows: list[dict[str, Any]],
    adds: tuple[str, ...] = ("n",),
) -> None:
    """Add each row's counts to its aggregate row, in one statement for all rows.

    Callers give the rows in key order: PostgreSQL locks them in the order given, and two
    writers whose comments share a month (and so its rows) must take those locks in the same
    order, or each waits for the other (a deadlock, and one of them fails)."""
    if not rows:
        return
    table = model.__table__
    dialect = session.get_bind().dialect.name
    stmt = _UPSERTS.get((dialect, table.name))
    if stmt is None:
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = make(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={a: table.c[a] + stmt.excluded[a] for a in adds}
        )
        _UPSERTS[(dialect, table.name)] = stmt
    for start in range(0, len(rows), _ROWS):
        session.connection().execute(stmt, rows[start : start + _ROWS])
