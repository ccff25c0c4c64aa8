"""Two-factor sign-in for local accounts: time-based codes (TOTP, RFC 6238, through pyotp) and
one-time recovery codes.

A code is accepted for its 30-second step and the one before or after (clocks drift), and
only once: the step of the last accepted code is stored, and no code of that step or an
earlier one is taken again. The secret being set up is not stored until the person proves
their app has it: until then it is derived from the server's secret, their session and a
nonce kept there, so a copy of the session cookie alone does not reveal it. Recovery codes
are random, shown once, and kept only as SHA-256 hashes (enough for 50 random bits; a slow
hash adds nothing).

Both checks are one-time even when two requests carry the same code at once: the step is
claimed by a conditional UPDATE (only a newer step replaces the stored one) and a recovery
code is crossed out by compare-and-set on the list, so of two racing requests one row change
succeeds and the other is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import JSON, ColumnElement, Text, cast, func, literal, or_, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from feedback.core.models import StaffUser
from feedback.staff import sessions

ISSUER = "Service feedback"
RECOVERY_CODES = 10
# Crossing out a recovery code retries when another code of the same person was crossed out
# at the same moment (its list changed under us); a few tries settle any real race.
_CAS_TRIES = 3
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand


def clock() -> datetime:
    """Now, in UTC (one place, so tests can pin it)."""
    return datetime.now(UTC)


def enrolment_secret(server_secret: str, seed: str) -> str:
    """The secret offered while setting up (base32, 160 bits), from the session's `seed`."""
    digest = hmac.new(server_secret.encode(), f"totp:{seed}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()[:20]).decode()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an SVG document (no XML declaration), to inline in a page."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", border=2, xmldecl=False, svgns=True, nl=False, omitsize=True
    )
    return out.getvalue().decode()


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return "".join(c for c in code if not c.isspace() and c != "-")[:12]


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (previous, current or next) whose code is `code`, if any."""
    totp = pyotp.TOTP(secret)
    if not (len(code) == totp.digits and code.isascii() and code.isdigit()):
        return None
    for offset in (0, -1, 1):
        at = datetime.fromtimestamp(now.timestamp() + offset * totp.interval, UTC)
        if hmac.compare_digest(totp.at(at), code):
            return int(totp.timecode(at))
    return None


def confirm(
    session: Session,
    user: StaffUser,
    *,
    secret: str,
    code: str,
    keep: str | None,
    now: datetime | None = None,
) -> list[str] | None:
    """Turn two-factor on with `secret` if `code` is right; returns fresh recovery codes."""
    step = _matching_step(secret, _clean(code), now or clock())
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    session.add(user)
    # Other browsers signed in before the second factor existed; they sign in again with it.
    sessions.end_all(session, user.id, keep=keep)
    return codes


def verify(session: Session, user: StaffUser, code: str, now: datetime | None = None) -> bool:
    """True (and the code used up) if `code` is the user's current code or an unused recovery
    code; a code already accepted once is refused."""
    if not user.totp_secret:
        return False
    cleaned = _clean(code)
    step = _matching_step(user.totp_secret, cleaned, now or clock())
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False  # replayed, or older than one already used
        return _claim_step(session, user, step)
    return use_recovery_code(session, user, cleaned)


def _claim_step(session: Session, user: StaffUser, step: int) -> bool:
    """Store `step` as the last one used, only if no request stored it or a later one first."""
    last = col(StaffUser.totp_last_step)
    claimed = session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user.id, or_(last.is_(None), last < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another request took this step (or a later one) a moment ago
    set_committed_value(user, "totp_last_step", step)  # in step with the row, nothing to flush
    return True


def use_recovery_code(session: Session, user: StaffUser, code: str) -> bool:
    """True if `code` is one of the user's unused recovery codes, which is then crossed out."""
    digest = _hash(_clean(code).lower())
    known = list(user.recovery_codes)
    for _try in range(_CAS_TRIES):
        left = [h for h in known if not hmac.compare_digest(h, digest)]
        if len(left) == len(known):
            return False
        changed = session.execute(
            update(StaffUser)
            .where(col(StaffUser.id) == user.id, _same_list(session, known))
            .values(recovery_codes=left)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            set_committed_value(user, "recovery_codes", left)
            return True
        # The list changed since it was read: read it again (the code may be gone now).
        stored = session.exec(select(StaffUser.recovery_codes).where(StaffUser.id == user.id))
        known = list(stored.one_or_none() or [])
    return False


def _same_list(session: Session, value: list[str]) -> ColumnElement[bool]:
    """The stored recovery-code list equals `value` (JSON has no `=` on PostgreSQL)."""
    stored = col(StaffUser.recovery_codes)
    if session.get_bind().dialect.name == "postgresql":
        return cast(stored, JSONB) == cast(literal(value, JSON), JSONB)
    # SQLite keeps JSON as text; json() writes both sides the same way before comparing.
    return func.json(cast(stored, Text)) == func.json(literal(value, JSON))


def new_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace the user's recovery codes with fresh ones, returned to be shown once."""
    codes = _new_recovery_codes(user)
    session.add(user)
    return codes


def turn_off(session: Session, user: StaffUser, *, keep: str | None = None) -> None:
    """Remove the second factor and its recovery codes; other sessions end."""
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = []
    session.add(user)
    sessions.end_all(session, user.id, keep=keep)


def _new_recovery_codes(user: StaffUser) -> list[str]:
    codes = [
        "".join(secrets.choice(_ALPHABET) for _ in range(5))
        + "-"
        + "".join(secrets.choice(_ALPHABET) for _ in range(5))
        for _ in range(RECOVERY_CODES)
    ]
    user.recovery_codes = [_hash(_clean(c)) for c in codes]
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
