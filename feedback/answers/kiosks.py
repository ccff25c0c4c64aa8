"""Kiosk tablets: enrolled by an admin, recognised by a secret each keeps, revocable.

Only an enrolled tablet may send answers on the kiosk channel, and only its posts get the
kiosk rate limit (tablets at one counter share an address and send an offline queue at
once). An admin adds a tablet by name and gets a one-time enrolment link (valid 24 hours);
opened on the tablet, the link gives it a random secret, kept in an HttpOnly cookie that the
browser sends only to the kiosk pages (/k/). The database keeps the SHA-256 of the secret and
of the link's code, never either one, so a copy of the database enrols nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from feedback.core.models import KioskDevice, StaffUser
from feedback.staff import audit

COOKIE = "feedback_kiosk"
COOKIE_PATH = "/k/"
# The longest browsers keep a cookie (400 days); after that the tablet is enrolled again.
COOKIE_MAX_AGE = 400 * 86400
ENROL_VALID = timedelta(hours=24)
NAME_MAX = 80
_TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often per tablet


class KioskError(ValueError):
    """A tablet cannot be added as asked."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add(session: Session, *, name: str, by: StaffUser | str) -> tuple[KioskDevice, str]:
    """A new tablet waiting for enrolment, and the one-time code of its enrolment link."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise KioskError("name")
    code = secrets.token_urlsafe(24)
    device = KioskDevice(
        name=name,
        enrol_hash=_digest(code),
        enrol_expires_at=_now() + ENROL_VALID,
        created_by=by.username if isinstance(by, StaffUser) else by,
    )
    session.add(device)
    session.flush()
    audit.record(session, by, "kiosk.add", f"kiosk:{device.id}", name=name)
    return device, code


def waiting(session: Session, code: str) -> KioskDevice | None:
    """The tablet an enrolment code names, if the code is still good (unused, not expired)."""
    if not code or len(code) > 100:
        return None
    device = session.exec(
        select(KioskDevice).where(col(KioskDevice.enrol_hash) == _digest(code))
    ).first()
    if device is None or device.revoked_at is not None or device.enrol_expires_at is None:
        return None
    return device if _aware(device.enrol_expires_at) > _now() else None


def enrol(session: Session, code: str) -> tuple[KioskDevice, str] | None:
    """Use an enrolment code once: the tablet's new secret (to keep in its cookie), or None."""
    device = waiting(session, code)
    if device is None:
        return None
    secret = secrets.token_urlsafe(32)
    device.secret_hash = _digest(secret)
    device.enrol_hash = None  # the link works once
    device.enrol_expires_at = None
    device.enrolled_at = device.last_used_at = _now()
    session.add(device)
    audit.record(session, "kiosk", "kiosk.enrol", f"kiosk:{device.id}", name=device.name)
    return device, secret


def recognise(session: Session, secret: str | None) -> KioskDevice | None:
    """The enrolled, unrevoked tablet holding this secret, or None; notes its last use."""
    if not secret or len(secret) > 100:
        return None
    device = session.exec(
        select(KioskDevice).where(col(KioskDevice.secret_hash) == _digest(secret))
    ).first()
    if device is None or device.revoked_at is not None:
        return None
    now = _now()
    if device.last_used_at is None or now - _aware(device.last_used_at) >= _TOUCH_EVERY:
        device.last_used_at = now
        session.add(device)
    return device


def revoke(session: Session, *, device_id: int, by: StaffUser | str) -> KioskDevice | None:
    """Stop a tablet at once (and any enrolment link it still has); None if unknown."""
    device = session.get(KioskDevice, device_id)
    if device is None:
        return None
    if device.revoked_at is None:
        device.revoked_at = _now()
        device.revoked_by = by.username if isinstance(by, StaffUser) else by
        device.enrol_hash = None
        session.add(device)
        audit.record(session, by, "kiosk.revoke", f"kiosk:{device_id}", name=device.name)
    return device


def listing(session: Session) -> list[KioskDevice]:
    """Every tablet, newest first."""
    return list(session.exec(select(KioskDevice).order_by(col(KioskDevice.id).desc())))


def status(device: KioskDevice) -> str:
    """revoked, enrolled, waiting (link still good) or expired (link unused, too late)."""
    if device.revoked_at is not None:
        return "revoked"
    if device.secret_hash is not None:
        return "enrolled"
    expires = device.enrol_expires_at
    return "waiting" if expires is not None and _aware(expires) > _now() else "expired"
