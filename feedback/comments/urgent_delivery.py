"""Tell each service's named contact at once of an urgent comment: email and signed webhook.

The background job runs every few seconds; each urgent comment is sent once (notified_at),
each message tried three times with back-off (a failure is logged; the comment stays on top
of the inbox until acknowledged either way). Neither message
carries the comment's text: the contact follows the link and reads it signed in, where the
reading is audited, and the text never sits in a mailbox.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from email.message import EmailMessage

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from feedback.core.db import session_scope
from feedback.core.models import Comment, Service, utcnow
from feedback.core.settings import Settings
from feedback.core.times import as_utc
from feedback.insight import alert_delivery

log = logging.getLogger("feedback.comments.urgent")
EVERY = 15.0  # seconds between runs of the job
BATCH = 50
EVENT = "urgent_comment"
REASONS = {"self_harm": "self-harm", "threat": "a threat", "danger": "someone in danger"}
REASONS_FR = {
    "self_harm": "automutilation",
    "threat": "une menace",
    "danger": "une personne en danger",
}


def email_message(c: Comment, service: Service, settings: Settings) -> EmailMessage:
    """A plain-text email in English then French; a link to the comment, never its text."""
    link = f"{settings.base_url.rstrip('/')}/dashboard/comments/{c.answer_id}"
    name_en, name_fr = service.name.get("en", service.id), service.name.get("fr", service.id)
    en = (
        f"A comment to {name_en} may mention {REASONS.get(c.urgent_reason or '', 'danger')}.\n"
        f"Read it and act under your service's procedure, then acknowledge it:\n{link}?lang=en\n"
    )
    fr = (
        f"Un commentaire à {name_fr} peut parler de "
        f"{REASONS_FR.get(c.urgent_reason or '', 'danger')}.\n"
        f"Lisez-le, agissez selon la procédure de votre service, puis confirmez la prise en "
        f"charge :\n{link}?lang=fr\n"
    )
    message = EmailMessage()
    message["Subject"] = "Urgent comment / Commentaire urgent"
    message["From"] = settings.smtp_from
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{en}\n---- Français ----\n\n{fr}")
    return message


def webhook_body(c: Comment, settings: Settings) -> bytes:
    """The webhook's JSON: which comment, where, why, and where to read it."""
    data = {
        "event": EVENT,
        "comment_id": c.answer_id,
        "service": c.service_id,
        "survey": c.survey_id,
        "channel": c.channel,
        "reason": c.urgent_reason,
        "submitted_at": as_utc(c.submitted_at).isoformat(),
        "url": f"{settings.base_url.rstrip('/')}/dashboard/comments/{c.answer_id}",
    }
    return json.dumps(data, separators=(",", ":")).encode()


def _deliver(c: Comment, service: Service, settings: Settings, sleep: Callable) -> bool:
    """Send what this service asks for; False if a message could not be delivered."""
    done = True
    if service.urgent_email and settings.smtp_host:
        sent = alert_delivery.email_all(
            settings, [service.urgent_email], email_message(c, service, settings), 1.0, sleep
        )
        done = done and bool(sent)
    if service.urgent_webhook_url and settings.alert_webhook_secret:
        url, secret = service.urgent_webhook_url, settings.alert_webhook_secret

        def post() -> None:
            alert_delivery.post_webhook(
                url, webhook_body(c, settings), secret,
                allow_private=settings.webhook_allow_private, event=EVENT,
            )  # fmt: skip

        done = alert_delivery.retry(post, "urgent webhook", 1.0, sleep) and done
    return done


def pending(session: Session) -> list[tuple[Comment, Service]]:
    """Urgent comments not yet sent, oldest first, with their services."""
    stmt = (
        select(Comment, Service)
        .join(Service, col(Service.id) == Comment.service_id)
        .where(col(Comment.urgent).is_(True), col(Comment.notified_at).is_(None))
        .order_by(col(Comment.answer_id))
        .limit(BATCH)
    )
    return [(c, s) for c, s in session.execute(stmt).all()]


def run(engine: Engine, settings: Settings, *, sleep: Callable = time.sleep) -> str:
    """Send every pending urgent comment once; a line for the log."""
    sent = 0
    with session_scope(engine) as session:
        for comment, service in pending(session):
            if _deliver(comment, service, settings, sleep):
                sent += 1
            else:
                log.warning("urgent comment %s: a notification failed", comment.answer_id)
            comment.notified_at = utcnow()
            session.add(comment)
    return f"{sent} urgent comments sent"


def job(settings: Settings) -> Callable[[Engine], str]:
    """`run` as a scheduled job."""
    return lambda engine: run(engine, settings)
