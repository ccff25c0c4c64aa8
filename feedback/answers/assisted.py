"""Assisted entry: an agent stores a caller's or visitor's answers on their behalf."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlmodel import Session, col, func, select

from feedback.answers import intake, storing
from feedback.core import local_time
from feedback.core.models import AuditEntry, Question, StaffUser, Survey, utcnow
from feedback.staff import audit, auth
from feedback.surveys import definitions as surveys

# Channels where an agent types in what a person said; both are "assisted" in the vocabulary.
CHANNELS: tuple[str, ...] = ("phone", "in_person")
ACTION = "response.assisted"


def channels_of(survey: Survey) -> list[str]:
    """The assisted-entry channels this survey is offered on, in vocabulary order."""
    return [c for c in CHANNELS if c in survey.channels]


def surveys_for(session: Session, user: StaffUser) -> list[Survey]:
    """Live surveys of the user's services that an agent can fill in (phone or in person)."""
    return [
        s
        for s in surveys.live_surveys(session)
        if channels_of(s) and auth.can_see_service(user, s.service_id)
    ]


def store(
    session: Session,
    *,
    user: StaffUser,
    survey: Survey,
    questions: list[Question],
    submission: intake.Submission,
    lang: str,
    submission_id: str,
) -> intake.Stored:
    """Store an assisted response once per submission id, audited in the same transaction."""
    # Added first so intake's commit keeps it with the response; undone if nothing is stored.
    audit.record(
        session,
        user,
        ACTION,
        f"survey:{survey.id}",
        channel=submission.channel,
        language=submission.language,
    )
    # Who typed it in: only they may correct or void it, for a short while (corrections.py).
    submission = dataclasses.replace(submission, source="assisted", entered_by=user.id)
    try:
        stored = storing.submit(
            session,
            survey=survey,
            questions=questions,
            submission=submission,
            lang=lang,
            idempotency_key=f"assist:{submission_id}",
        )
    except intake.Rejected:
        session.rollback()
        raise
    if not stored.created:
        session.rollback()  # a replay (double click): the first store was already recorded
    return stored


def entered_today(
    session: Session, *, user: StaffUser, zone_name: str | None, now: datetime | None = None
) -> int:
    """How many responses this user entered since local midnight, read from the audit log."""
    now = now or utcnow()
    midnight = local_time.day_start(local_time.today(zone_name, now), zone_name)
    stmt = select(func.count(col(AuditEntry.id))).where(
        AuditEntry.user_id == user.id, AuditEntry.action == ACTION, AuditEntry.at >= midnight
    )
    return int(session.exec(stmt).one())
