"""What a new organisation does next: add a service, create a survey, put it live, get answers.

Staff pages that would be empty show the first step not yet done, with a link to it, so an
empty install leads its people from one page to the next instead of showing blank tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from feedback.core.models import Response, Service, StaffUser, Survey

BUILDERS = ("admin", "manager")


@dataclass(frozen=True)
class NextStep:
    """The first step not done: `kind` is service, survey, live or answers; `survey` is the
    survey it is about (live and answers); `can` says if this user may take it."""

    kind: str
    can: bool
    survey: Survey | None = None


def next_step(session: Session, *, user: StaffUser) -> NextStep | None:
    """The first of the four steps not done for the services this user sees, or None."""
    if session.exec(select(Service.id).limit(1)).first() is None:
        return NextStep("service", can=user.role == "admin")
    stmt = select(Survey).order_by(col(Survey.created_at))
    if user.role != "admin":
        stmt = stmt.where(col(Survey.service_id).in_(list(user.service_ids)))
    found = list(session.exec(stmt))
    builder = user.role in BUILDERS
    if not found:
        return NextStep("survey", can=builder)
    live = [s for s in found if s.status == "live"]
    if not live:
        return NextStep("live", can=builder, survey=found[0])
    if not _answered(session, [s.id for s in found]):
        return NextStep("answers", can=builder, survey=live[0])
    return None


def for_survey(session: Session, *, user: StaffUser, survey_id: str) -> NextStep | None:
    """On one survey's page: put it live if it is a draft, share it if it has no answer."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return None
    builder = user.role in BUILDERS
    if survey.status == "draft":
        return NextStep("live", can=builder, survey=survey)
    if not _answered(session, [survey.id]):
        return NextStep("answers", can=builder and survey.status == "live", survey=survey)
    return None


def _answered(session: Session, survey_ids: list[str]) -> bool:
    """True once one of these surveys has a real answer (test answers from previews aside)."""
    stmt = select(Response.id).where(
        col(Response.survey_id).in_(survey_ids), col(Response.test).is_(False)
    )
    return session.exec(stmt.limit(1)).first() is not None
