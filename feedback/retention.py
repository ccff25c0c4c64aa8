"""Retention: comments are deleted once their survey's retention period is over.

Only the text answers go. Scores, choices and the response itself stay, and the daily
aggregates do not change because text answers are never counted in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session, col

from feedback import audit
from feedback.db import session_scope
from feedback.models import Answer, Response, Survey


@dataclass(frozen=True)
class PurgeReport:
    """Comments past their period, per survey id (deleted unless it was a dry run)."""

    comments: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def total(self) -> int:
        """All comments counted, every survey together."""
        return sum(self.comments.values())


def cutoff(session: Session, days: int, now: datetime) -> datetime:
    """The moment before which a comment is too old, in the form the database compares."""
    moment = now.astimezone(UTC) - timedelta(days=days)
    # SQLite keeps timestamps as naive UTC text, so a naive value compares correctly there.
    if session.get_bind().dialect.name == "sqlite":
        return moment.replace(tzinfo=None)
    return moment


def _expired(session: Session, survey_id: str, before: datetime) -> object:
    """The ids of the text answers to `survey_id` submitted before `before`."""
    return (
        select(col(Answer.id))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(col(Response.survey_id) == survey_id)
        .where(col(Response.submitted_at) < before)
        .where(col(Answer.text).is_not(None))
    )


def purge(
    session: Session, *, now: datetime | None = None, dry_run: bool = False, who: str = "system"
) -> PurgeReport:
    """Delete (or only count, on a dry run) the comments older than each survey's period.

    The audit entry "retention.purge" records the counts, never any text.
    """
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}
    surveys = session.execute(select(col(Survey.id), col(Survey.retention_days))).all()
    for survey_id, days in surveys:
        if days is None or days <= 0:
            continue  # no period set: nothing expires
        ids = _expired(session, survey_id, cutoff(session, days, now)).subquery()  # type: ignore[attr-defined]
        n = int(session.execute(select(func.count()).select_from(ids)).scalar_one())
        if not n:
            continue
        counts[survey_id] = n
        if not dry_run:
            session.execute(delete(Answer).where(col(Answer.id).in_(select(ids.c.id))))
    report = PurgeReport(comments=counts, dry_run=dry_run)
    if not dry_run and counts:
        audit.record(session, who, "retention.purge", "comments", deleted=counts)
    return report


def run(engine: Engine) -> str:
    """The scheduled job: purge once, in one transaction; a one-line summary for the log."""
    with session_scope(engine) as session:
        report = purge(session)
    return f"{report.total} comments deleted from {len(report.comments)} surveys"
