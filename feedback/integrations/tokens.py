"""API tokens: shown once when created, kept only as a SHA-256 hash, scoped and revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from feedback.core.models import ApiToken, Service, StaffUser, utcnow
from feedback.staff import audit

# invite: send invitations after an interaction (they hold addresses, so a scope of their own).
SCOPES: tuple[str, ...] = ("ingest", "read", "invite")
PREFIX = "fbk_"
PREFIX_CHARS = 12  # "fbk_" and 8 random characters: enough to tell tokens apart in a list
# last_used_at is a hint for people, not a log: writing it on every call would make each
# API request a write, so it moves at most once a minute.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created as asked."""


@dataclass(frozen=True)
class Created:
    """A new token: the secret itself (never stored, shown once) and its stored row."""

    secret: str
    token: ApiToken


def hash_token(secret: str) -> str:
    """The stored form of a token: its SHA-256 in hexadecimal (tokens are long and random)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    session: Session,
    *,
    name: str,
    scopes: Sequence[str],
    service_ids: Sequence[str] = (),
    by: StaffUser | str,
) -> Created:
    """Create a token and record it in the audit log; the caller shows `secret` once."""
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError("name")
    wanted = sorted(set(scopes))
    if not wanted or any(s not in SCOPES for s in wanted):
        raise TokenError("scope")
    services = sorted(set(service_ids))
    for service_id in services:
        if session.get(Service, service_id) is None:
            raise TokenError("service")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=secret[:PREFIX_CHARS],
        token_hash=hash_token(secret),
        scopes=wanted,
        service_ids=services,
        created_by=by.username if isinstance(by, StaffUser) else by,
    )
    session.add(token)
    session.flush()
    audit.record(
        session, by, "token.create", f"token:{token.id}", name=name, scopes=wanted,
        services=services, prefix=token.prefix,
    )  # fmt: skip
    return Created(secret=secret, token=token)


def listing(session: Session) -> list[ApiToken]:
    """Every token, newest first (revoked ones too, so people see what stopped working)."""
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id).desc())))


def revoke(session: Session, *, token_id: int, by: StaffUser | str) -> ApiToken | None:
    """Revoke a token at once; None if there is no such token. Revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.record(session, by, "token.revoke", f"token:{token.id}", name=token.name)
    return token


def verify(session: Session, secret: str | None) -> ApiToken | None:
    """The active token with this secret, noting its use at most once a minute; else None."""
    if not secret or len(secret) > 200:
        return None
    found = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(secret))).first()
    if found is None or found.revoked_at is not None:
        return None
    now = utcnow()
    last = found.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)  # SQLite hands back naive UTC
    if last is None or last < now - LAST_USED_EVERY:
        session.execute(
            update(ApiToken).where(col(ApiToken.id) == found.id).values(last_used_at=now)
        )
        session.expire(found, ["last_used_at"])
    return found


def allows_service(token: ApiToken, service_id: str) -> bool:
    """True when the token is not restricted to services, or names this one."""
    return not token.service_ids or service_id in token.service_ids
