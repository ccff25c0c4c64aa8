"""Answers that come through an invitation: the one-click first answer (a link in the email, a
text reply), the rest of the survey, and "stop sending me these"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from feedback.answers import amend, intake, storing
from feedback.core.i18n import gettext_for
from feedback.core.models import ContactOptOut, Invitation, Question, Service, Survey, utcnow
from feedback.core.times import as_utc
from feedback.reach import email_message, rules
from feedback.surveys import forms

REPLY_DAYS = 7  # a text reply is matched to an invitation sent at most this long ago
FINAL = ("done", "stopped", "failed")


def find(session: Session, token: str) -> Invitation | None:
    """The invitation a link names, if it exists."""
    if not token or len(token) > 32:
        return None
    return session.exec(select(Invitation).where(Invitation.token == token)).first()


def _forget_address(invitation: Invitation) -> None:
    # Nothing more will be sent to this person: the address goes now.
    invitation.email = None
    invitation.phone = None


def first_answer(
    session: Session, *, invitation: Invitation, survey: Survey, questions: list[Question],
    value: str, lang: str,
) -> int:  # fmt: skip
    """Store the one-click answer once through intake (a second click on another answer
    changes it); returns the response id. Rejected if the value is not an answer."""
    _ = gettext_for(lang).gettext
    first = email_message.first_question(questions)
    if first is None:
        raise intake.Rejected(404, "not_found", _("This answer does not exist."))
    answers = forms.answers_from_form([first], {f"q_{first.key}": [value]})
    if invitation.response_id is None:
        submission = intake.Submission(
            channel=invitation.channel, language=invitation.language, answers=answers,
            touchpoint=invitation.touchpoint,
        )  # fmt: skip
        stored = storing.submit(
            session, survey=survey, questions=questions, submission=submission, lang=lang,
            idempotency_key=f"invite:{invitation.token}", partial=True,
        )  # fmt: skip
        session.refresh(invitation)
        invitation.response_id = stored.id
    else:
        amend.amend(
            session, survey=survey, questions=questions, response_id=invitation.response_id,
            answers=answers, lang=lang, partial=True,
        )  # fmt: skip
        session.refresh(invitation)
    answered(invitation)
    session.add(invitation)
    session.commit()
    assert invitation.response_id is not None
    return invitation.response_id


def answered(invitation: Invitation) -> None:
    """An answer came: no reminder, and the address is deleted."""
    if invitation.status in ("waiting", "sent"):
        invitation.status = "done"
    invitation.remind_at = None
    _forget_address(invitation)


def opt_out(session: Session, *, contact_hash: str | None, service_ids: list[str]) -> int:
    """Stop every invitation of these services to this person, now and later; returns how
    many queued or awaiting a reminder were stopped (their addresses deleted)."""
    if not contact_hash:
        return 0
    for service_id in service_ids:
        if session.get(ContactOptOut, (service_id, contact_hash)) is None:
            session.add(ContactOptOut(service_id=service_id, contact_hash=contact_hash))
    survey_ids = select(Survey.id).where(col(Survey.service_id).in_(service_ids))
    stopped = session.connection().execute(
        update(Invitation)
        .where(col(Invitation.contact_hash) == contact_hash)
        .where(col(Invitation.survey_id).in_(survey_ids))
        .where(col(Invitation.status).in_(("waiting", "sent")))
        .values(status="stopped", email=None, phone=None, remind_at=None)
    )
    return int(stopped.rowcount or 0)


def opt_in(session: Session, *, contact_hash: str) -> None:
    """Undo a text STOP (START): this number may be invited again."""
    session.connection().execute(
        delete(ContactOptOut).where(col(ContactOptOut.contact_hash) == contact_hash)
    )


def latest_text(
    session: Session, contact_hash: str, now: datetime | None = None
) -> Invitation | None:
    """The newest text invitation to this number in the reply window."""
    since = (now or utcnow()) - timedelta(days=REPLY_DAYS)
    found = session.exec(
        select(Invitation)
        .where(Invitation.contact_hash == contact_hash, Invitation.medium == "sms")
        .order_by(col(Invitation.created_at).desc())
    ).first()
    if found is None or found.sent_at is None or as_utc(found.sent_at) < since:
        return None
    return found


def all_service_ids(session: Session) -> list[str]:
    """Every service (a STOP from a number no invitation matches stops them all)."""
    return list(session.exec(select(Service.id)).all())


def contact_of(session: Session, phone: str) -> str | None:
    """The keyed hash of a number as replies give it."""
    number = rules.normal_phone(phone)
    return rules.contact_hash(rules.contact_key(session), number) if number else None


def form_answers(stored: dict[str, Any]) -> dict[str, list[str]]:
    """Stored answers as the hosted form's values (to show them again)."""
    out: dict[str, list[str]] = {}
    for key, value in stored.items():
        values = value if isinstance(value, list) else [value]
        out[f"q_{key}"] = [
            ("true" if v else "false") if isinstance(v, bool) else str(v) for v in values
        ]
    return out
