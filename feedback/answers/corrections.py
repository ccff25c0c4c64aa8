"""Taking a stored response back: an admin deletes one on a person's request; an agent
corrects or voids their own assisted entry for a short while after saving it.

Every path keeps the daily aggregates exact (what the response counted is taken back), drops
the webhook messages that carry its answers, and writes an audit entry that names the
response but holds none of its content.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from feedback.answers import amend
from feedback.answers.intake import Rejected, Stored, storable
from feedback.comments import index as comment_index
from feedback.core.i18n import gettext_for
from feedback.core.models import (
    Answer,
    Question,
    Response,
    StaffUser,
    Survey,
    Webhook,
    WebhookDelivery,
    utcnow,
)
from feedback.core.times import as_utc
from feedback.insight import rollups
from feedback.staff import audit

# How long an agent may correct or void what they typed in, from the moment it was saved.
WINDOW = timedelta(minutes=30)
REASON_MAX = 200


class NotAllowed(Exception):
    """The change is refused; `message` says why, in the staff member's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def now() -> datetime:
    """The clock the correction window is read from (tests pin it)."""
    return utcnow()


def open_until(response: Response) -> datetime:
    """When the agent's window to correct or void this entry closes."""
    return as_utc(response.submitted_at) + WINDOW


def may_amend(user: StaffUser, response: Response, at: datetime | None = None) -> bool:
    """True while `user` may still correct or void this entry: theirs, within WINDOW."""
    moment = at or now()
    return (
        user.id is not None
        and response.entered_by == user.id
        and response.source == "assisted"
        and moment <= open_until(response)
    )


def _check_agent(user: StaffUser, response: Response, lang: str) -> None:
    _ = gettext_for(lang).gettext
    if response.entered_by != user.id or response.source != "assisted":
        raise NotAllowed(_("Only the person who typed in this response may correct or void it."))
    if not may_amend(user, response):
        raise NotAllowed(
            _(
                "The 30 minutes to correct or void this response are over. "
                "Ask an administrator if it must be deleted."
            )
        )


def _drop_messages(session: Session, survey: Survey, response_id: int) -> int:
    """Delete the webhook messages (sent or not) that carry this response's answers."""
    hooks = select(Webhook.id).where(Webhook.service_id == survey.service_id)
    named = col(WebhookDelivery.payload)[("response", "id")].as_string()
    stmt = delete(WebhookDelivery).where(
        col(WebhookDelivery.webhook_id).in_(hooks),
        col(WebhookDelivery.payload)["survey"].as_string() == survey.id,
        named == str(response_id),
    )
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)


def _remove(session: Session, survey: Survey, response: Response) -> int:
    """Take the response out of the aggregates, the comments index, its webhook messages, its
    answers and itself."""
    assert response.id is not None
    messages = _drop_messages(session, survey, response.id)
    # Its comments leave the inbox, the search index and the term and theme counts too.
    comment_index.forget_responses(session, [response.id])
    if response.test:
        # Test answers were never counted: there is nothing to take back from the aggregates.
        session.execute(delete(Answer).where(col(Answer.response_id) == response.id))
        session.execute(delete(Response).where(col(Response.id) == response.id))
    else:
        rollups.delete_responses(session, [response.id])
    return messages


def delete_response(
    session: Session,
    *,
    user: StaffUser,
    survey: Survey,
    response: Response,
    reason: str,
    lang: str,
) -> None:
    """Delete one response on the person's request (admins only); the caller commits."""
    _ = gettext_for(lang).gettext
    if user.role != "admin":
        raise NotAllowed(_("Only an administrator may delete a response."))
    reason = " ".join(reason.split())
    if not storable(reason):
        raise NotAllowed(_("Write the reason as ordinary text."))
    if not reason:
        raise NotAllowed(_("Say why the response is deleted, such as the request's reference."))
    if len(reason) > REASON_MAX:
        raise NotAllowed(
            _("Use %(max)d characters or fewer (you used %(n)d).")
            % {"max": REASON_MAX, "n": len(reason)}
        )
    response_id = response.id
    messages = _remove(session, survey, response)
    # Which response, by whom and why; never its answers, channel or time.
    audit.record(
        session,
        user,
        "response.delete",
        f"response:{response_id}",
        survey=survey.id,
        reason=reason,
        webhook_messages=messages,
    )


def void_entry(
    session: Session, *, user: StaffUser, survey: Survey, response: Response, lang: str
) -> None:
    """An agent takes back their own assisted entry within WINDOW; the caller commits."""
    _check_agent(user, response, lang)
    response_id = response.id
    messages = _remove(session, survey, response)
    audit.record(
        session,
        user,
        "response.void",
        f"response:{response_id}",
        survey=survey.id,
        webhook_messages=messages,
    )


def correct_entry(
    session: Session,
    *,
    user: StaffUser,
    survey: Survey,
    questions: list[Question],
    response: Response,
    answers: Mapping[str, Any],
    language: str,
    lang: str,
) -> Stored:
    """Replace an agent's own assisted entry's answers within WINDOW, recounted exactly.

    Rejected (422) names the answers to fix, as on the entry form; amend commits.
    """
    _check_agent(user, response, lang)
    assert response.id is not None
    before = amend.stored_answers(session, response.id, questions)
    # The form holds every answer: a question left empty now is an answer taken out.
    wanted: dict[str, Any] = {key: None for key in before} | dict(answers)
    audit.record(session, user, "response.correct", f"response:{response.id}", survey=survey.id)
    try:
        return amend.amend(
            session,
            survey=survey,
            questions=questions,
            response_id=response.id,
            answers=wanted,
            lang=lang,
            language=language if language in survey.languages else None,
        )
    except Rejected:
        session.rollback()
        raise
