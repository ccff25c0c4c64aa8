"""Sign-in throttling: attempts counted per username+client, per client and per username.

Counted in the shared rate counters (feedback.limits), so every worker sees the same
numbers. The username is kept only as a hash and the client only as the daily salted hash
of its IP address. The tight limit is on the username *from one client*, so an attacker
cannot lock a person out from elsewhere; the username alone has a much higher limit that
only slows a distributed attack. Each attempt is counted before the password is checked
(count-then-check, so parallel guesses cannot all slip under the limit); a success gives
back only its own count, never what others built up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, col

from feedback.core import limits
from feedback.core.models import RateCounter

WINDOW = 15 * 60
PAIR_LIMIT = 5
CLIENT_LIMIT = 20
USER_LIMIT = 100


@dataclass(frozen=True)
class Keys:
    """The counter keys of one sign-in attempt."""

    pair: str
    client: str
    user: str

    def limits(self) -> list[tuple[str, int]]:
        """Each key with its limit (read at call time, so tests can lower them)."""
        return [(self.pair, PAIR_LIMIT), (self.client, CLIENT_LIMIT), (self.user, USER_LIMIT)]


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: seconds to wait (0 if it may go ahead) and when it was counted."""

    wait: int
    at: datetime


def keys(session: Session, *, username: str, ip: str | None) -> Keys:
    """Counter keys for this username (case-insensitive), this client, and the two together."""
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    client = limits.client_key(session, ip)
    return Keys(
        pair=f"login:pair:{name}:{client}",
        client=f"login:client:{client}",
        user=f"login:user:{name}",
    )


def attempt(session: Session, found: Keys, now: datetime | None = None) -> Attempt:
    """Count this attempt on every key at once; it must wait if any key is over its limit."""
    now = now or datetime.now(UTC)
    verdicts = [
        limits.hit(session, key, limit=n, window=WINDOW, now=now) for key, n in found.limits()
    ]
    return Attempt(wait=max(v.retry_after for v in verdicts), at=now)


def succeeded(session: Session, found: Keys, counted: Attempt) -> None:
    """Give back the count of this successful attempt (only its own: nothing else is reset)."""
    start = int(counted.at.timestamp()) // WINDOW * WINDOW
    buckets = [f"{key}@{start}"[:200] for key, _ in found.limits()]
    session.execute(
        update(RateCounter)
        .where(col(RateCounter.bucket).in_(buckets), col(RateCounter.count) > 0)
        .values(count=col(RateCounter.count) - 1)
    )
