"""Staff sessions kept on the server, so that they can be ended there.

The signed session cookie holds only a random session id; the `staff_session` table holds its
SHA-256 (a copy of the table signs nobody in), the user, when it started, when it was last
used and when it ended. Every staff request reads its row and its user in one indexed query.
A session ends on sign-out, after FEEDBACK_SESSION_IDLE seconds unused, FEEDBACK_SESSION_MAX_AGE
seconds after it started, and for every session of a user at once when they sign out
everywhere, are deactivated, get another role, other services or another password, or change
their second factor. An ended session never comes back: reactivating a user starts nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, or_, update
from sqlmodel import Session, col, select

from feedback.core.db import session_scope
from feedback.core.models import StaffSession, StaffUser

# Recording each request's time would be a write per page view; a minute is precise enough
# for an idle timeout counted in tens of minutes.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Policy:
    """How long sessions last: at most `max_age` seconds, and `idle` seconds unused."""

    max_age: int
    idle: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(at: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def start(
    session: Session, user: StaffUser, *, method: str, policy: Policy, now: datetime | None = None
) -> str:
    """Record a new session for `user` and return its id, to keep in the cookie only."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(
        StaffSession(
            id=_digest(token),
            user_id=user.id,
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=policy.max_age),
        )
    )
    return token


@dataclass(frozen=True)
class Current:
    """The signed-in user of a request, and how their session was started."""

    user: StaffUser
    method: str
    session_id: str


def resolve(
    session: Session, token: object, *, policy: Policy, now: datetime | None = None
) -> Current | None:
    """The live session with this cookie token and its active user, or None (ending it if due)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = _now(now)
    row = session.exec(
        select(StaffSession, StaffUser)
        .join(StaffUser, col(StaffUser.id) == col(StaffSession.user_id))
        .where(col(StaffSession.id) == _digest(token), col(StaffSession.ended_at).is_(None))
    ).first()
    if row is None:
        return None
    found, user = row
    last_seen = _aware(found.last_seen_at)
    expired = _aware(found.expires_at) <= now
    idle = now - last_seen >= timedelta(seconds=policy.idle)
    if expired or idle or not user.active:
        found.ended_at = now
        session.add(found)
        return None
    if now - last_seen >= TOUCH_EVERY:
        found.last_seen_at = now
        session.add(found)
    return Current(user=user, method=found.method, session_id=found.id)


def end(session: Session, token: object, now: datetime | None = None) -> None:
    """End the session with this cookie token (signing out of this browser)."""
    if isinstance(token, str):
        session.execute(
            update(StaffSession)
            .where(col(StaffSession.id) == _digest(token), col(StaffSession.ended_at).is_(None))
            .values(ended_at=_now(now))
        )


def end_all(
    session: Session, user_id: int | None, *, keep: str | None = None, now: datetime | None = None
) -> int:
    """End every live session of a user, but `keep` (a cookie token); returns how many ended."""
    if user_id is None:
        return 0
    query = update(StaffSession).where(
        col(StaffSession.user_id) == user_id, col(StaffSession.ended_at).is_(None)
    )
    if isinstance(keep, str):
        query = query.where(col(StaffSession.id) != _digest(keep))
    result = session.execute(query.values(ended_at=_now(now)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live(
    session: Session, user_id: int, *, policy: Policy, now: datetime | None = None
) -> list[StaffSession]:
    """A user's sessions that are still usable, newest first."""
    now = _now(now)
    idle = timedelta(seconds=policy.idle)
    rows = session.exec(
        select(StaffSession)
        .where(col(StaffSession.user_id) == user_id, col(StaffSession.ended_at).is_(None))
        .order_by(col(StaffSession.created_at).desc())
    ).all()
    return [r for r in rows if _aware(r.expires_at) > now and now - _aware(r.last_seen_at) < idle]


def is_this(row: StaffSession, token: object) -> bool:
    """True when `row` is the session of this cookie token."""
    return isinstance(token, str) and row.id == _digest(token)


# Ended and expired sessions are kept a while (who was signed in, and how, when something
# needs looking into); the audit log keeps sign-ins and sign-outs for longer.
KEEP_ENDED = timedelta(days=30)


def forget_old(session: Session, now: datetime | None = None) -> int:
    """Delete sessions that ended or expired more than 30 days ago; returns how many."""
    cutoff = _now(now) - KEEP_ENDED
    result = session.execute(
        delete(StaffSession).where(
            or_(col(StaffSession.ended_at) < cutoff, col(StaffSession.expires_at) < cutoff)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_job(engine: Engine) -> str:
    """The daily job: forget sessions that ended or expired over 30 days ago."""
    with session_scope(engine) as session:
        return f"forgot {forget_old(session)} sessions"
