"""Webhooks on new responses: an outbox filled in the submitting transaction, then signed
POSTs retried with backoff until a 2xx answer or the last attempt.

Each message carries X-Feedback-Timestamp (Unix seconds), X-Feedback-Delivery (the delivery
id, stable across retries, so a receiver can drop duplicates) and X-Feedback-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the webhook's secret>.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from feedback import audit
from feedback.models import (
    Question,
    ResponseFacts,
    Service,
    StaffUser,
    Survey,
    Webhook,
    WebhookDelivery,
    utcnow,
)
from feedback.rollups import as_utc
from feedback.settings import Settings

# Seconds to wait after the 1st, 2nd, ... failed attempt; after MAX_ATTEMPTS it is given up.
BACKOFF = (30, 120, 600, 3600, 6 * 3600, 6 * 3600, 6 * 3600)
MAX_ATTEMPTS = 8
BATCH = 50  # deliveries per run, so one slow receiver cannot hold the job for long
CLAIM = timedelta(minutes=5)  # a claimed delivery is retried after this if its worker died
EVENT_CREATED = "response.created"
EVENT_UPDATED = "response.updated"  # follow-up answers added to a stored response


class WebhookError(ValueError):
    """A webhook cannot be added as asked; the code names why."""


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private: bool = False) -> str | None:
    """Why this URL may not receive webhooks ("url", "private"), or None when it may.

    The host must resolve only to public addresses, so nobody can make this server call
    into its own network (SSRF); operators may allow private ones (tests, intranets).
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on "host:abc" or a port past 65535
    except ValueError:
        return "url"
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        return "url"
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return "url"
    if not infos or any(_blocked(str(info[4][0])) for info in infos):
        return "private"
    return None


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


def enqueue(
    session: Session,
    *,
    survey: Survey,
    response: ResponseFacts,
    accepted: Sequence[tuple[Question, Any]],
    event: str = EVENT_CREATED,
) -> int:
    """Add an outbox row per active webhook of the survey's service; returns how many.

    Called inside the submitting transaction, so a message exists exactly when the response
    does. Costs one indexed read per session when the service has no webhook.
    """
    # Read once per session and service (a bulk request stores thousands of responses in
    # one session), without autoflush: it does not need the pending answers.
    cache = session.info.setdefault("webhooks_by_service", {})
    if survey.service_id not in cache:
        with session.no_autoflush:
            cache[survey.service_id] = list(
                session.exec(
                    select(Webhook.id).where(
                        Webhook.service_id == survey.service_id, col(Webhook.active).is_(True)
                    )
                )
            )
    hooks = cache[survey.service_id]
    if not hooks:
        return 0
    payload = {
        "survey": survey.id,
        "service": survey.service_id,
        "response": {
            "id": str(response.id),
            "submitted_at": _iso(response.submitted_at),
            "channel": response.channel,
            "language": response.language,
            "touchpoint": response.touchpoint,
            "assisted": response.assisted,
            "answers": {q.key: v for q, v in accepted},
        },
    }
    session.add_all(
        WebhookDelivery(webhook_id=hook_id, event=event, payload=payload) for hook_id in hooks
    )
    return len(hooks)


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Feedback-Signature value: sha256=<hex HMAC of "<timestamp>.<body>">."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def body_of(delivery: WebhookDelivery) -> bytes:
    """The JSON body sent for a delivery (the same on every attempt)."""
    data = {
        "id": str(delivery.id),
        "event": delivery.event,
        "created_at": _iso(delivery.created_at),
        "data": delivery.payload,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect could lead anywhere, private addresses included


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """POST once; (HTTP status or None, error text or "")."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as answer:
            return int(answer.status), ""
    except urllib.error.HTTPError as error:
        return int(error.code), f"HTTP {error.code}"
    except (OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:300]


def _attempt(
    delivery: WebhookDelivery, webhook: Webhook, *, allow_private: bool, timeout: float
) -> tuple[int | None, str]:
    # Checked again at send time: a name may have been pointed at a private address since.
    problem = check_url(webhook.url, allow_private=allow_private)
    if problem:
        return None, "refused: the address is not public" if problem == "private" else "bad URL"
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
    return post(webhook.url, body, headers, timeout)


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
