"""Retention: comments are deleted once their survey's retention period is over.

Only the text answers go. Scores, choices and the response itself stay, and the daily
aggregates do not change because text answers are never counted in them. Webhook messages
carry a copy of the answers, so they go too: those about a response older than its survey's
period, and every sent or failed message older than FINISHED_DELIVERY_DAYS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, or_, select
from sqlmodel import Session, col

from feedback.comments import index as comment_index
from feedback.core.db import session_scope
from feedback.core.models import Answer, Response, Survey, WebhookDelivery
from feedback.staff import audit

FINISHED_DELIVERY_DAYS = 30


@dataclass(frozen=True)
class PurgeReport:
    """Comments past their period, per survey id (deleted unless it was a dry run)."""

    comments: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    deliveries: int = 0  # webhook messages (each holds a copy of the answers)

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


def _expired_deliveries(session: Session, surveys: list[tuple[str, int]], now: datetime) -> object:
    """The ids of webhook messages past their survey's period, or finished and past 30 days."""
    payload = col(WebhookDelivery.payload)
    # The payload's time is UTC ISO text (times.iso_utc), so text order is time order.
    submitted = payload[("response", "submitted_at")].as_string()
    about = payload["survey"].as_string()
    finished = cutoff(session, FINISHED_DELIVERY_DAYS, now)
    rules = [
        (col(WebhookDelivery.status).in_(("sent", "failed")))
        & (col(WebhookDelivery.created_at) < finished)
    ]
    for survey_id, days in surveys:
        before = (now.astimezone(UTC) - timedelta(days=days)).isoformat()
        rules.append((about == survey_id) & (submitted < before))
    return select(col(WebhookDelivery.id)).where(or_(*rules))


def purge(
    session: Session, *, now: datetime | None = None, dry_run: bool = False, who: str = "system"
) -> PurgeReport:
    """Delete (or only count, on a dry run) the comments older than each survey's period.

    The audit entry "retention.purge" records the counts, never any text.
    """
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}
    found = session.execute(select(col(Survey.id), col(Survey.retention_days))).all()
    # No period set: nothing expires.
    surveys = [(survey_id, days) for survey_id, days in found if days is not None and days > 0]
    for survey_id, days in surveys:
        ids = _expired(session, survey_id, cutoff(session, days, now)).subquery()  # type: ignore[attr-defined]
        n = int(session.execute(select(func.count()).select_from(ids)).scalar_one())
        if not n:
            continue
        counts[survey_id] = n
        if not dry_run:
            comment_index.forget(session, list(session.scalars(select(ids.c.id))))
            session.execute(delete(Answer).where(col(Answer.id).in_(select(ids.c.id))))
    hooks = _expired_deliveries(session, surveys, now).subquery()  # type: ignore[attr-defined]
    messages = int(session.execute(select(func.count()).select_from(hooks)).scalar_one())
    if messages and not dry_run:
        session.execute(
            delete(WebhookDelivery).where(col(WebhookDelivery.id).in_(select(hooks.c.id)))
        )
    report = PurgeReport(comments=counts, dry_run=dry_run, deliveries=messages)
    if not dry_run and (counts or messages):
        audit.record(
            session, who, "retention.purge", "comments", deleted=counts, webhook_messages=messages
        )
    return report


def run(engine: Engine) -> str:
    """The scheduled job: purge once, in one transaction; a one-line summary for the log."""
    with session_scope(engine) as session:
        report = purge(session)
    return (
        f"{report.total} comments deleted from {len(report.comments)} surveys,"
        f" {report.deliveries} webhook messages deleted"
    )
