"""Webhooks on new responses: registration, the delivery log, and how each message is signed.

The outbox is filled in the submitting transaction (answers.outbox) and sent by
webhook_delivery. Each message carries X-Feedback-Timestamp (Unix seconds),
X-Feedback-Delivery (the delivery id, stable across retries, so a receiver can drop
duplicates) and X-Feedback-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"
keyed with the webhook's secret>.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from sqlalchemy import update
from sqlmodel import Session, col, select

from feedback.core.models import Service, StaffUser, Webhook, WebhookDelivery
from feedback.core.outbound import WebhookError, check_url, post, vetted_addresses
from feedback.core.times import iso_utc
from feedback.staff import audit

__all__ = ["WebhookError", "check_url", "post", "vetted_addresses"]  # re-exported for callers

MAX_ATTEMPTS = 8


def add(
    session: Session,
    *,
    service_id: str,
    url: str,
    by: StaffUser | str,
    allow_private: bool = False,
) -> tuple[Webhook, str]:
    """Add an active webhook to a service; returns it and its secret (shown once)."""
    url = url.strip()
    if session.get(Service, service_id) is None:
        raise WebhookError("service")
    problem = check_url(url, allow_private=allow_private)
    if problem:
        raise WebhookError(problem)
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(
        service_id=service_id,
        url=url,
        secret=secret,
        created_by=by.username if isinstance(by, StaffUser) else by,
    )
    session.add(webhook)
    session.flush()
    audit.record(session, by, "webhook.add", f"webhook:{webhook.id}", service=service_id)
    return webhook, secret


def disable(session: Session, *, webhook_id: int, by: StaffUser | str) -> Webhook | None:
    """Stop a webhook: no new messages; pending ones are given up. None if unknown."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        return None
    if webhook.active:
        webhook.active = False
        session.add(webhook)
        session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.webhook_id) == webhook_id,
                col(WebhookDelivery.status) == "pending",
            )
            .values(status="failed", last_error="webhook disabled")
        )
        audit.record(session, by, "webhook.disable", f"webhook:{webhook_id}")
    return webhook


def listing(session: Session) -> list[Webhook]:
    """Every webhook, newest first."""
    return list(session.exec(select(Webhook).order_by(col(Webhook.id).desc())))


def deliveries(
    session: Session, *, webhook_id: int | None = None, limit: int = 50
) -> list[WebhookDelivery]:
    """The delivery log, newest first."""
    stmt = select(WebhookDelivery).order_by(col(WebhookDelivery.id).desc()).limit(limit)
    if webhook_id is not None:
        stmt = stmt.where(WebhookDelivery.webhook_id == webhook_id)
    return list(session.exec(stmt))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Feedback-Signature value: sha256=<hex HMAC of "<timestamp>.<body>">."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON body sent for a delivery (the same on every attempt)."""
    data = {
        "id": str(delivery.id),
        "event": delivery.event,
        "created_at": iso_utc(delivery.created_at),
        "data": delivery.payload,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
