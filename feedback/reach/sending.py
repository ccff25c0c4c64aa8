"""Sending invitations: what is due, a throttled batch per run, once across workers (the job
runner), or once by `feedback invitations send`. An address is deleted as soon as its last
message is sent; log lines name invitations by id, never by address."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from feedback.core.db import session_scope
from feedback.core.models import (
    ContactOptOut,
    Invitation,
    InvitationRule,
    Question,
    Service,
    Survey,
    utcnow,
)
from feedback.core.settings import Settings
from feedback.reach import email_message, invitations, opportunities, rules, sms
from feedback.surveys import definitions as surveys

log = logging.getLogger("feedback.reach")
ATTEMPTS = 3
COMMIT_EVERY = 20
KEYS_DAYS = 30


class Mailer:
    """One SMTP connection for a run, opened on the first message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, mail: EmailMessage) -> None:
        """Send one message (raises on failure)."""
        s = self.settings
        if self.smtp is None:
            assert s.smtp_host
            self.smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20)
            if s.smtp_starttls:
                self.smtp.starttls()
            if s.smtp_user:
                self.smtp.login(s.smtp_user, s.smtp_password or "")
        self.smtp.send_message(mail)

    def close(self) -> None:
        """Say goodbye to the server, if a connection was opened."""
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            self.smtp = None


def _due(session: Session, now: datetime, limit: int, mediums: list[str]) -> list[Invitation]:
    first = select(Invitation).where(
        Invitation.status == "waiting", col(Invitation.due_at) <= now,
        col(Invitation.medium).in_(mediums),
    )  # fmt: skip
    out = list(session.exec(first.order_by(col(Invitation.due_at)).limit(limit)))
    if len(out) < limit and "email" in mediums:
        reminders = select(Invitation).where(
            Invitation.status == "sent", col(Invitation.remind_at) <= now,
            col(Invitation.response_id).is_(None), Invitation.medium == "email",
        )  # fmt: skip
        out += list(
            session.exec(reminders.order_by(col(Invitation.remind_at)).limit(limit - len(out)))
        )
    return out


Context = tuple[Survey, Service | None, list[Question], InvitationRule, str]


def _context(session: Session, invitation: Invitation, cache: dict[str, Context]) -> Context:
    """The survey, service, questions, rule and zone of an invitation (read once per run)."""
    if invitation.survey_id not in cache:
        survey = session.get(Survey, invitation.survey_id)
        assert survey is not None
        cache[invitation.survey_id] = (
            survey, session.get(Service, survey.service_id),
            surveys.questions_of(session, survey.id), rules.rule_for(session, survey.id),
            invitations.local_zone(session, survey),
        )  # fmt: skip
    return cache[invitation.survey_id]


def _opted_out(session: Session, digests: set[str]) -> set[tuple[str, str]]:
    """Who of these people asked to stop, and which service (one query for a run)."""
    if not digests:
        return set()
    rows = session.exec(
        select(ContactOptOut.service_id, ContactOptOut.contact_hash).where(
            col(ContactOptOut.contact_hash).in_(list(digests))
        )
    ).all()
    return {(a, b) for a, b in rows}


def _stop(invitation: Invitation, status: str) -> None:
    invitation.status = status
    invitation.email = invitation.phone = None
    invitation.remind_at = None


def _one(
    session: Session,
    settings: Settings,
    invitation: Invitation,
    mailer: Mailer,
    now: datetime,
    cache: dict[str, Context],
    opted: set[tuple[str, str]],
) -> str:
    """Send one due message; returns what happened (for the run's summary)."""
    survey, service, questions, rule, zone_name = _context(session, invitation, cache)
    reminder = invitation.status == "sent"
    if survey.status != "live":
        _stop(invitation, "stopped")
        return "closed"
    if invitation.contact_hash and (survey.service_id, invitation.contact_hash) in opted:
        _stop(invitation, "stopped")
        return "unsubscribed"
    later = rules.quiet(rule, now, zone_name)
    if later is not None:  # quiet hours began since it was queued
        if reminder:
            invitation.remind_at = later
        else:
            invitation.due_at = later
        return "quiet"
    outcome = "sent"
    try:
        if invitation.medium == "email":
            mailer.send(
                email_message.message(
                    invitation, survey, service, questions, base=settings.base_url,
                    sender=settings.smtp_from, reminder=reminder,
                )
            )  # fmt: skip
        else:
            assert invitation.phone
            first = email_message.first_question(questions)
            body = sms.first_text(invitation, survey, service, first, base=settings.base_url)
            outcome = sms.send(settings, invitation.phone, body)
    except (OSError, smtplib.SMTPException) as error:
        mailer.close()
        # A refused recipient will not be accepted later; anything else may pass next time.
        permanent = isinstance(error, smtplib.SMTPRecipientsRefused)
        outcome = "failed" if permanent else "retry"
        log.warning("invitation %s not sent: %s", invitation.id, type(error).__name__)
    if outcome == "retry":
        invitation.attempts += 1
        if invitation.attempts >= ATTEMPTS:
            _stop(invitation, "failed")
            return "failed"
        invitation.due_at = now + timedelta(minutes=5 * 4**invitation.attempts)
        if reminder:
            invitation.remind_at = invitation.due_at
        return "retry"
    if outcome == "failed":
        _stop(invitation, "failed")
        return "failed"
    if reminder:
        _stop(invitation, "done")  # the last message: the address goes
        return "reminded"
    opportunities.add(
        session, survey=survey, channel=invitation.channel,
        touchpoint=invitation.touchpoint or "", at=now,
    )  # fmt: skip
    invitation.sent_at = now
    if invitation.medium == "email" and rule.reminder_days > 0:
        invitation.status = "sent"
        remind = now + timedelta(days=rule.reminder_days)
        invitation.remind_at = rules.quiet(rule, remind, zone_name) or remind
    else:
        _stop(invitation, "done")  # a text reply is answered with TwiML: no number needed
    return "sent"


def run(
    engine: Engine, settings: Settings, *, now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, int]:  # fmt: skip
    """Send what is due now, at most settings.invitation_batch messages; counts by outcome."""
    now = now or utcnow()
    mediums = (["email"] if settings.smtp_host else []) + (
        ["sms"] if sms.configured(settings) else []
    )
    counts: dict[str, int] = {}
    # First, whatever happens next: what the frequency rule and integrators' keys kept past
    # their time is forgotten even where nothing can be sent.
    with session_scope(engine) as session:
        invitations.forget(session, now=now)
        # An integrator retries within days: its count keys need not be kept longer.
        opportunities.forget_batches(session, before=now - timedelta(days=KEYS_DAYS))
    if not mediums:
        return counts
    mailer = Mailer(settings)
    cache: dict[str, Context] = {}
    try:
        with session_scope(engine) as session:
            due = _due(session, now, settings.invitation_batch, mediums)
            opted = _opted_out(session, {i.contact_hash for i in due if i.contact_hash})
            for done, invitation in enumerate(due, start=1):
                moment = clock() if clock else now
                outcome = _one(session, settings, invitation, mailer, moment, cache, opted)
                session.add(invitation)
                counts[outcome] = counts.get(outcome, 0) + 1
                # Committed every few messages: should the process die, at most that many are
                # sent again; a commit per message would cost a disk flush each.
                if done % COMMIT_EVERY == 0:
                    session.commit()
    finally:
        mailer.close()
    return counts


def summary(counts: dict[str, int]) -> str:
    """A short line for the job log (counts only)."""
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due"


def job(settings: Settings) -> Callable[[Engine], str]:
    """The periodic job: one run."""
    return lambda engine: summary(run(engine, settings))
