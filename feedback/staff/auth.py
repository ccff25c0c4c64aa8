"""Staff users, roles, password hashing, CSRF tokens and shared secrets."""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from feedback.core.models import AppSecret, StaffUser
from feedback.staff import sessions

ROLES: tuple[str, ...] = ("admin", "manager", "viewer", "agent")
# Roles that may read dashboards.
DASHBOARD_ROLES: tuple[str, ...] = ("admin", "manager", "viewer")

_hasher = PasswordHasher()
# Verifying against this keeps the time of a wrong username equal to a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user cannot be created as asked."""


def stored_secret(session: Session, name: str) -> str:
    """A random secret kept in the database, created on first use and shared by all processes."""
    row = session.get(AppSecret, name)
    if row is None:
        session.add(AppSecret(name=name, value=secrets.token_urlsafe(48)))
        try:
            session.commit()
        except Exception:
            session.rollback()  # another process created it first
        row = session.get(AppSecret, name)
    assert row is not None
    return row.value


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    service_ids: list[str] | None = None,
) -> StaffUser:
    """Add a staff user; the username must be new and the password at least 10 characters."""
    username = username.strip()
    if not username or len(username) > 80:
        raise UserError("The username must be 1 to 80 characters.")
    if role not in ROLES:
        raise UserError(f"The role must be one of: {', '.join(ROLES)}.")
    if len(password) < 10:
        raise UserError("The password must be at least 10 characters.")
    if session.exec(select(StaffUser).where(StaffUser.username == username)).first():
        raise UserError(f"A user named {username!r} already exists.")
    user = StaffUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        service_ids=service_ids or [],
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, username: str, password: str) -> StaffUser | None:
    """The active user with these credentials, or None."""
    user = session.exec(select(StaffUser).where(StaffUser.username == username.strip())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def can_see_service(user: StaffUser, service_id: str) -> bool:
    """Admins see every service; other roles only those they were given."""
    return user.role == "admin" or service_id in user.service_ids


def new_csrf_token() -> str:
    """A fresh random CSRF token for a session."""
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the session's token with the form's."""
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


def list_users(session: Session) -> list[StaffUser]:
    """Every staff user, active ones first, then by name."""
    found = session.exec(select(StaffUser)).all()
    return sorted(found, key=lambda u: (not u.active, u.username.lower()))


def find_user(session: Session, username: str) -> StaffUser | None:
    """The user with this exact username, if any."""
    return session.exec(select(StaffUser).where(StaffUser.username == username.strip())).first()


def active_admins(session: Session) -> int:
    """How many active admins there are (the last one may not be demoted or deactivated)."""
    found = session.exec(select(StaffUser).where(StaffUser.role == "admin")).all()
    return sum(1 for u in found if u.active)


def change_user(
    session: Session,
    user: StaffUser,
    *,
    role: str,
    service_ids: list[str],
    keep: str | None = None,
) -> None:
    """Give a user another role or other services; a change ends their sessions (but `keep`)."""
    if role not in ROLES:
        raise UserError(f"The role must be one of: {', '.join(ROLES)}.")
    services = sorted(set(service_ids))
    if (role, services) != (user.role, sorted(user.service_ids)):
        # What a session may see was decided at sign-in by the person who signed in; any
        # change of access starts again from a fresh sign-in.
        sessions.end_all(session, user.id, keep=keep)
    user.role = role
    user.service_ids = services
    session.add(user)


def set_active(session: Session, user: StaffUser, *, active: bool) -> None:
    """Deactivate (ends all their sessions at once) or reactivate a user (who signs in anew)."""
    user.active = active
    session.add(user)
    if not active:
        sessions.end_all(session, user.id)


def new_password() -> str:
    """A random password to hand to a user once (about 100 bits)."""
    return secrets.token_urlsafe(16)


def reset_password(session: Session, user: StaffUser, *, keep: str | None = None) -> str:
    """Give the user a fresh random password, end their sessions (but `keep`), return it."""
    password = new_password()
    set_password(session, user, password, keep=keep)
    return password


def set_password(
    session: Session, user: StaffUser, password: str, *, keep: str | None = None
) -> None:
    """Store a new password (at least 10 characters); every other session of the user ends."""
    if len(password) < 10:
        raise UserError("The password must be at least 10 characters.")
    user.password_hash = hash_password(password)
    session.add(user)
    sessions.end_all(session, user.id, keep=keep)
