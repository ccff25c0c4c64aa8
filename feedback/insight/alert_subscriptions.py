"""Alert subscriptions and what the alerts settings page shows."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from feedback.core.models import AlertSignal, AlertSubscription, StaffUser, Survey

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def valid_email(text: str) -> bool:
    """A plausible single email address."""
    return len(text) <= 200 and bool(_EMAIL.fullmatch(text))


def subscriptions(session: Session, *, user_id: int) -> dict[str, AlertSubscription]:
    """A user's subscriptions by service id."""
    stmt = select(AlertSubscription).where(AlertSubscription.user_id == user_id)
    return {s.service_id: s for s in session.exec(stmt)}


def save_settings(
    session: Session,
    *,
    user_id: int,
    email: str | None,
    choices: dict[str, tuple[bool, str | None]],
) -> None:
    """Store a user's email and, per service, whether they want alerts and their webhook."""
    user = session.get(StaffUser, user_id)
    assert user is not None
    user.email = email or None
    session.add(user)
    existing = subscriptions(session, user_id=user_id)
    for service_id, (on, webhook_url) in choices.items():
        found = existing.get(service_id)
        if not on:
            if found is not None:
                session.delete(found)
            continue
        found = found or AlertSubscription(user_id=user_id, service_id=service_id)
        found.webhook_url = webhook_url or None
        session.add(found)


def recent_signals(
    session: Session, *, service_ids: list[str] | None, limit: int = 20
) -> list[tuple[AlertSignal, Survey]]:
    """The newest signals of some services (all when None), with their survey."""
    stmt = select(AlertSignal, Survey).join(Survey, col(Survey.id) == AlertSignal.survey_id)
    if service_ids is not None:
        stmt = stmt.where(col(Survey.service_id).in_(service_ids))
    stmt = stmt.order_by(col(AlertSignal.period).desc(), col(AlertSignal.id).desc()).limit(limit)
    return [(signal, survey) for signal, survey in session.exec(stmt)]
