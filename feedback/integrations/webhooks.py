"""Webhooks on new responses: an outbox filled in the submitting transaction, then signed
POSTs retried with backoff until a 2xx answer or the last attempt.

Each message carries X-Feedback-Timestamp (Unix seconds), X-Feedback-Delivery (the delivery
id, stable across retries, so a receiver can drop duplicates) and X-Feedback-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the webhook's secret>.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from feedback.core.models import (
    Question,
    ResponseFacts,
    Service,
    StaffUser,
    Survey,
    Webhook,
    WebhookDelivery,
    utcnow,
)
from feedback.core.settings import Settings
from feedback.insight.rollups import as_utc
from feedback.staff import audit

# Seconds to wait after the 1st, 2nd, ... failed attempt; after MAX_ATTEMPTS it is given up.
BACKOFF = (30, 120, 600, 3600, 6 * 3600, 6 * 3600, 6 * 3600)
MAX_ATTEMPTS = 8
BATCH = 50  # deliveries per run, so one slow receiver cannot hold the job for long
CLAIM = timedelta(minutes=5)  # a claimed delivery is retried after this if its worker died
EVENT_CREATED = "response.created"
EVENT_UPDATED = "response.updated"  # follow-up answers added to a stored response


class WebhookError(ValueError):
    """A webhook cannot be added as asked; the code names why."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: IPv4 in its last 32 bits


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64, the old "compatible"
        # ::a.b.c.d) reach that address: it decides, whatever the IPv6 ranges say.
        low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in _NAT64 or int(ip) >> 32 == 0):
            embedded = low
        if embedded is not None and _blocked(str(embedded)):
            return True
    return not ip.is_global or ip.is_multicast


def _host_and_port(url: str) -> tuple[str, int]:
    """The URL's host name and port (the scheme's default if none); raises WebhookError("url")."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on "host:abc" or a port past 65535
    except ValueError:
        raise WebhookError("url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise WebhookError("url")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to, in the resolver's order, each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vetted_addresses(url: str, *, allow_private: bool = False) -> list[str] | None:
    """The addresses a POST to this URL may connect to; None when any may (private allowed).

    Raises WebhookError("url" or "private"). The host must resolve only to public addresses,
    so nobody can make this server call into its own network (SSRF); operators may allow
    private ones (tests, intranets). Send to these very addresses (post(addresses=...)):
    resolving the name again could give another answer (DNS rebinding).
    """
    host, port = _host_and_port(url)
    if allow_private:
        return None
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        raise WebhookError("url") from None
    if not addresses or any(_blocked(address) for address in addresses):
        raise WebhookError("private")
    return addresses


def check_url(url: str, *, allow_private: bool = False) -> str | None:
    """Why this URL may not receive webhooks ("url", "private"), or None when it may."""
    try:
        vetted_addresses(url, allow_private=allow_private)
    except WebhookError as problem:
        return str(problem)
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


def _dial(addresses: Sequence[str], port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to the first of these addresses that accepts one."""
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
    raise failure


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the given addresses only; the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, *, addresses: Sequence[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _dial(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the given addresses only, with the certificate checked against the host name."""

    def __init__(self, host: str, port: int, *, addresses: Sequence[str], timeout: float):
        self.tls = ssl.create_default_context()  # verifies the chain and the host name
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        # SNI and the certificate check use the URL's host name, not the address dialled.
        raw = _dial(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _error_text(error: Exception) -> str:
    """What went wrong, for the delivery log; never the URL (its path may hold a token)."""
    if isinstance(error, http.client.InvalidURL):
        return "bad URL"  # its message quotes the URL
    return f"{type(error).__name__}: {error}"[:300]


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    *,
    addresses: Sequence[str] | None,
) -> tuple[int | None, str]:
    """POST once to one of `addresses` (from vetted_addresses; None: wherever the name
    resolves); (HTTP status or None, error text or "").

    http.client follows no redirect (one could lead anywhere, private addresses included)
    and reads no proxy from the environment (a proxy would resolve the name itself).
    """
    try:
        host, port = _host_and_port(url)
    except WebhookError:
        return None, "bad URL"
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # None only when private addresses are allowed, so resolving the name again is harmless.
    targets = [host] if addresses is None else list(addresses)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, addresses=targets, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        with connection.getresponse() as answer:
            status = int(answer.status)
    except (OSError, ValueError, http.client.HTTPException) as error:
        return None, _error_text(error)
    finally:
        connection.close()
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


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
