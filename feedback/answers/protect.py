"""The public routes' guard against floods and bots: per-client limits and a honeypot.

A client is a salted hash of its address (limits.client_key), never the address. Which
address, core/client_keys.client_address decides: X-Forwarded-For only from trusted proxies,
IPv6 by its /64, so a visitor can pick neither their own address nor a fresh one per post.

Kiosk tablets at one counter share an address and send their offline queue in a burst when
the network comes back, so kiosk posts have their own, higher limit (Settings.
kiosk_limit_per_minute) on a separate counter: a busy counter is never refused, and a
web visitor at the same address does not use up the tablets' allowance. Only a tablet an
admin has enrolled (answers/kiosks.py) gets it, and only such a tablet may send answers on
the kiosk channel at all; a follow-up gets it only when the stored response came in at a
kiosk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from feedback.answers import admission, intake
from feedback.core import limits
from feedback.core.db import session_scope
from feedback.core.i18n import N_, gettext_for
from feedback.core.models import KioskDevice, Response, Survey
from feedback.core.settings import Settings

# How each kind the scrubber removes is named to the person (privacy.KINDS).
KIND_NAMES = {
    "email": N_("an email address"),
    "phone": N_("a phone number"),
    "sin": N_("a social insurance number"),
    "card": N_("a card number"),
    "passport": N_("a passport number"),
    "postal_code": N_("a postal code"),
    "address": N_("a street address"),
}

# The form field people never see; a bot that fills every field fills it too.
HONEYPOT = "website"


@dataclass(frozen=True)
class Guard:
    """What intake.submit needs to count this client: its key, its limit, the survey cap."""

    client: str
    client_limit: int
    survey_cap: int


def require_device(channel: str, device: KioskDevice | None, lang: str) -> None:
    """Refuse (403 kiosk_not_enrolled) kiosk answers that do not come from an enrolled tablet."""
    if channel == "kiosk" and device is None:
        message = gettext_for(lang).gettext(
            "Only a tablet that an administrator has set up as a kiosk can send kiosk answers."
        )
        raise intake.Rejected(403, "kiosk_not_enrolled", message)


def _guard(
    session: Session, *, survey: Survey, ip: str | None, kiosk: bool, settings: Settings
) -> Guard:
    return _limits(limits.client_key(session, ip), survey=survey, kiosk=kiosk, settings=settings)


def _limits(key: str, *, survey: Survey, kiosk: bool, settings: Settings) -> Guard:
    limit = survey.client_limit_per_minute
    if kiosk:
        key, limit = f"kiosk:{key}", max(limit, settings.kiosk_limit_per_minute)
    return Guard(client=key, client_limit=limit, survey_cap=settings.survey_limit_per_minute)


def guard(
    session: Session,
    *,
    survey: Survey,
    ip: str | None,
    channel: str,
    settings: Settings,
    device: KioskDevice | None = None,
) -> Guard:
    """The limits for a post from `ip` on `channel`; the kiosk limit needs an enrolled tablet."""
    kiosk = channel == "kiosk" and device is not None
    return _guard(session, survey=survey, ip=ip, kiosk=kiosk, settings=settings)


def widget_guard(engine: Engine, *, survey: Survey, ip: str | None, settings: Settings) -> Guard:
    """`guard` for the widget's posts (never the kiosk limit: no tablet posts through it).

    On the hot path, so it reads the database only for a new day's salt.
    """
    key = limits.cached_client_key(engine, ip)
    if key is None:
        with session_scope(engine) as session:
            key = limits.client_key(session, ip)
    return _limits(key, survey=survey, kiosk=False, settings=settings)


def follow_up_guard(
    session: Session, *, survey: Survey, ip: str | None, response_id: int, settings: Settings
) -> Guard:
    """The limits for a follow-up to a stored response: by its stored channel, not the body."""
    stored = session.get(Response, response_id)
    kiosk = stored is not None and stored.channel == "kiosk"
    return _guard(session, survey=survey, ip=ip, kiosk=kiosk, settings=settings)


def check(session: Session, *, survey: Survey, guard: Guard, lang: str) -> None:
    """Count one follow-up (amend) against the same limits as a submission; 429 beyond them."""
    checks = [(f"submit:{survey.id}:{guard.client}", guard.client_limit)]
    if guard.survey_cap > 0:
        checks.append((f"submit:{survey.id}", guard.survey_cap))
    admission.throttle(session, checks=checks, lang=lang)


def is_bot(form: Mapping[str, list[str]]) -> bool:
    """True when the hidden honeypot field was filled in: answer as if stored, keep nothing."""
    return any(v.strip() for v in form.get(HONEYPOT, []))


def retry_headers(error: intake.Rejected) -> dict[str, str]:
    """Retry-After for a 429, nothing otherwise."""
    return {"Retry-After": str(error.retry_after)} if error.retry_after else {}


def removed_message(kinds: tuple[str, ...], lang: str, *, comments: int = 1) -> str:
    """The check-before-sending message naming the kinds removed, in the person's language."""
    _ = gettext_for(lang).gettext
    named = [_(KIND_NAMES.get(k, k)) for k in kinds]
    # "a, b and c" without the serial comma, as Government of Canada style writes lists.
    names = (
        named[0]
        if len(named) == 1
        else _("%(items)s and %(last)s")
        % {
            "items": ", ".join(named[:-1]),
            "last": named[-1],
        }
    )
    if comments > 1:
        text = _("We removed %(kinds)s from your comments. Check them, then send them.")
    else:
        text = _("We removed %(kinds)s from your comment. Check it, then send it.")
    return text % {"kinds": names}


def forget_expired(engine: Engine) -> str:
    """The hourly job: drop finished rate-limit windows and salts older than yesterday."""
    with session_scope(engine) as session:
        gone = limits.forget_expired(session)
    return f"{gone} expired counters and salts deleted"
