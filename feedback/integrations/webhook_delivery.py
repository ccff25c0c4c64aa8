"""Sending the webhook outbox: signed POSTs retried with backoff until a 2xx or the last attempt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from feedback.core.models import Webhook, WebhookDelivery, utcnow
from feedback.core.outbound import WebhookError, post, vetted_addresses
from feedback.core.settings import Settings
from feedback.integrations.webhooks import MAX_ATTEMPTS, body_of, sign

# Seconds to wait after the 1st, 2nd, ... failed attempt; after MAX_ATTEMPTS it is given up.
BACKOFF = (30, 120, 600, 3600, 6 * 3600, 6 * 3600, 6 * 3600)
BATCH = 50  # deliveries per run, so one slow receiver cannot hold the job for long
CLAIM = timedelta(minutes=5)  # a claimed delivery is retried after this if its worker died


def _attempt(
    delivery: WebhookDelivery, webhook: Webhook, *, allow_private: bool, timeout: float
) -> tuple[int | None, str]:
    # Checked again at send time: a name may have been pointed at a private address since.
    try:
        addresses = vetted_addresses(webhook.url, allow_private=allow_private)
    except WebhookError as problem:
        private = str(problem) == "private"
        return None, "refused: the address is not public" if private else "bad URL"
    body = body_of(delivery)
    timestamp = str(int(utcnow().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "feedback-collector webhooks",
        "X-Feedback-Event": delivery.event,
        "X-Feedback-Delivery": str(delivery.id),
        "X-Feedback-Timestamp": timestamp,
        "X-Feedback-Signature": sign(webhook.secret, timestamp, body),
    }
    return post(webhook.url, body, headers, timeout, addresses=addresses)


def _claim(session: Session, delivery: WebhookDelivery, now: datetime) -> bool:
    """Move the row's next attempt forward if nobody else did; True when it is ours."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery.id,
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) == delivery.next_attempt_at,
        )
        .values(next_attempt_at=now + CLAIM)
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def deliver_due(
    engine: Engine, *, allow_private: bool = False, timeout: float = 10.0, limit: int = BATCH
) -> str:
    """Send the deliveries that are due, once each; a short summary for the job log."""
    now = utcnow()
    sent = retried = failed = 0
    with Session(engine, expire_on_commit=False) as session:
        due = list(
            session.exec(
                select(WebhookDelivery)
                .where(
                    col(WebhookDelivery.status) == "pending",
                    col(WebhookDelivery.next_attempt_at) <= now,
                )
                .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
                .limit(limit)
            )
        )
        for delivery in due:
            webhook = session.get(Webhook, delivery.webhook_id)
            if webhook is None or not _claim(session, delivery, now):
                continue
            status, error = _attempt(
                delivery, webhook, allow_private=allow_private, timeout=timeout
            )
            delivery.attempts += 1
            delivery.last_status = status
            if status is not None and 200 <= status < 300:
                delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
                sent += 1
            elif delivery.attempts >= MAX_ATTEMPTS or not webhook.active:
                delivery.status, delivery.last_error = "failed", error[:300]
                failed += 1
            else:
                wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
                delivery.next_attempt_at = utcnow() + timedelta(seconds=wait)
                delivery.last_error = error[:300]
                retried += 1
            session.add(delivery)
            session.commit()
    return f"{sent} sent, {retried} to retry, {failed} given up"


def job(settings: Settings) -> Callable[[Engine], str]:
    """The delivery run for the server's job schedule, with this server's settings."""

    def run(engine: Engine) -> str:
        return deliver_due(
            engine, allow_private=settings.webhook_allow_private, timeout=settings.webhook_timeout
        )

    return run
