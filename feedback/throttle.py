"""Sign-in throttling: failed attempts counted per username and per client, in the database.

Counted in the shared rate counters (feedback.limits), so every worker sees the same
numbers. The username is kept only as a hash and the client only as the daily salted hash
of its IP address. A success resets nothing: it must not clear the count an attacker
built up against someone else's name.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from feedback import limits

WINDOW = 15 * 60
USER_LIMIT = 5
CLIENT_LIMIT = 20


@dataclass(frozen=True)
class Keys:
    """The counter keys of one sign-in attempt."""

    user: str
    client: str


def keys(session: Session, *, username: str, ip: str | None) -> Keys:
    """Counter keys for this username (case-insensitive) and this client."""
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return Keys(user=f"login:user:{name}", client=f"login:client:{limits.client_key(session, ip)}")


def blocked_for(session: Session, found: Keys, now: datetime | None = None) -> int:
    """Seconds until another attempt is allowed, or 0 if one is allowed now."""
    now = now or datetime.now(UTC)
    over = limits.peek(session, found.user, window=WINDOW, now=now) >= USER_LIMIT
    over = over or limits.peek(session, found.client, window=WINDOW, now=now) >= CLIENT_LIMIT
    if not over:
        return 0
    # Counters are fixed windows: the next attempt is allowed when this window ends.
    return max(1, math.ceil(WINDOW - now.timestamp() % WINDOW))


def failed(session: Session, found: Keys) -> None:
    """Count one failed attempt against the username and the client."""
    limits.hit(session, found.user, limit=USER_LIMIT, window=WINDOW)
    limits.hit(session, found.client, limit=CLIENT_LIMIT, window=WINDOW)
