"""Sign-in throttling that slows guessing without letting anyone lock another person out.

Counted in the shared rate counters (feedback.core.limits), so every worker sees the same
numbers. A username is kept only as a hash, a client only as the daily salted hash of its
address (IPv6 grouped by network, proxies resolved: feedback.core.client_keys).

The rules, per 15-minute window:
- one username from one client: 5 attempts (the guesser is slowed where they are);
- one client, any usernames: 20 attempts (password spraying is slowed);
- one username from everywhere: past 100 attempts the name is "under attack", and a client
  that already tried that name this window gets no more tries. A client that has not (the
  person at their own desk) still gets in with the right password: attempts elsewhere never
  refuse it;
- a browser that signed in as this person before shows a signed device cookie: it is counted
  on its own (5 attempts), apart from its address, so an attacker sharing the person's
  network (an office, a carrier's NAT) cannot lock them out either.
Each attempt is counted before the password is checked (count-then-check: parallel guesses
cannot all slip under a limit); a success gives back only its own count.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update
from sqlmodel import Session, col

from feedback.core import limits
from feedback.core.models import RateCounter

WINDOW = 15 * 60
PAIR_LIMIT = 5
CLIENT_LIMIT = 20
USER_LIMIT = 100
DEVICE_LIMIT = 5
# The device cookie: sent only to the sign-in paths, for 180 days.
DEVICE_COOKIE = "feedback_device"
DEVICE_PATH = "/login"
DEVICE_MAX_AGE = 180 * 86400


@dataclass(frozen=True)
class Keys:
    """The counter keys of one sign-in attempt (`device` when a device cookie vouches)."""

    pair: str
    client: str
    user: str
    device: str | None = None


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: seconds to wait (0 if it may go ahead) and what was counted."""

    wait: int
    at: datetime
    counted: tuple[str, ...]


def _name(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]


def keys(session: Session, *, username: str, ip: str | None, device: str | None = None) -> Keys:
    """Counter keys for this username (case-insensitive), this client, and the two together."""
    name = _name(username)
    client = limits.client_key(session, ip)
    return Keys(
        pair=f"login:pair:{name}:{client}",
        client=f"login:client:{client}",
        user=f"login:user:{name}",
        device=f"login:device:{device}" if device else None,
    )


def attempt(session: Session, found: Keys, now: datetime | None = None) -> Attempt:
    """Count this attempt; it must wait if its own client (or device) is over a limit."""
    now = now or datetime.now(UTC)
    if found.device:
        # A known browser: its address does not matter, only its own failures do.
        hits = {found.device: 1, found.user: 1}
        counts, retry = limits.count_many(session, hits, window=WINDOW, now=now)
        wait = retry if counts[found.device] > DEVICE_LIMIT else 0
        return Attempt(wait=wait, at=now, counted=tuple(hits))
    hits = {found.pair: 1, found.client: 1, found.user: 1}
    counts, retry = limits.count_many(session, hits, window=WINDOW, now=now)
    # Under attack, one try per client and window; never fewer for a client that had none.
    pair_limit = 1 if counts[found.user] > USER_LIMIT else PAIR_LIMIT
    over = counts[found.pair] > pair_limit or counts[found.client] > CLIENT_LIMIT
    return Attempt(wait=retry if over else 0, at=now, counted=tuple(hits))


def succeeded(session: Session, counted: Attempt) -> None:
    """Give back the count of this successful attempt (only its own: nothing else is reset)."""
    start = int(counted.at.timestamp()) // WINDOW * WINDOW
    buckets = [f"{key}@{start}"[:200] for key in counted.counted]
    session.execute(
        update(RateCounter)
        .where(col(RateCounter.bucket).in_(buckets), col(RateCounter.count) > 0)
        .values(count=col(RateCounter.count) - 1)
    )


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="feedback.device")


def new_device_cookie(secret: str, user_id: int) -> str:
    """A signed cookie value naming this browser (a random id) and the person who signed in."""
    return _serializer(secret).dumps({"u": user_id, "d": secrets.token_urlsafe(16)})


def device_for(secret: str, cookie: str | None, user_id: int | None) -> str | None:
    """The device id in a valid cookie of this person (else None: a stranger's browser)."""
    if not cookie or user_id is None or len(cookie) > 300:
        return None
    try:
        data = _serializer(secret).loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("d"), str):
        return None
    return str(data["d"])[:40]
