"""How a survey invites people: sampling, delay, the contact-frequency rule, quiet hours; and
the keyed hash that stands for an address (the address itself is never kept for the rule)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta

from sqlmodel import Session

from feedback.core.local_time import zone
from feedback.core.models import InvitationRule, utcnow
from feedback.core.numbers import whole_number
from feedback.core.times import as_utc
from feedback.staff import auth

KEY_NAME = "contact_key"
FREQUENCY_MAX = 3650
DELAY_MAX = 60 * 24 * 30  # minutes: a month
REMINDER_MAX = 30
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")


def rule_for(session: Session, survey_id: str) -> InvitationRule:
    """The survey's rule, or the defaults (everyone, no delay, 90 days, quiet 21:00-08:00)."""
    return session.get(InvitationRule, survey_id) or InvitationRule(survey_id=survey_id)


def save_rule(
    session: Session, survey_id: str, form: Mapping[str, str], _: Callable[[str], str]
) -> tuple[InvitationRule, dict[str, str]]:
    """Check the settings form and store it; what is wrong, by field (nothing stored then)."""
    rule = rule_for(session, survey_id)
    errors: dict[str, str] = {}
    numbers = {
        "sample_percent": (0, 100, _("Give a whole number from 0 to 100.")),
        "delay_minutes": (0, DELAY_MAX, _("Give a number of minutes from 0 to 43,200 (30 days).")),
        "frequency_days": (1, FREQUENCY_MAX, _("Give a number of days from 1 to 3,650.")),
        "reminder_days": (0, REMINDER_MAX, _("Give a number of days from 0 to 30.")),
    }
    values: dict[str, int | None] = {}
    for name, (lo, hi, message) in numbers.items():
        values[name] = whole_number(form.get(name, "").replace(",", "").strip(), lo=lo, hi=hi)
        if values[name] is None:
            errors[name] = message
    quiet = form.get("quiet") == "1"
    for name in ("quiet_start", "quiet_end"):
        hour = whole_number(form.get(name, "").strip(), lo=0, hi=23)
        values[name] = hour if quiet else None
        if quiet and hour is None:
            errors[name] = _("Choose an hour.")
    if quiet and not errors and values["quiet_start"] == values["quiet_end"]:
        errors["quiet_end"] = _("Quiet hours must end at another hour than they start.")
    if errors:
        return rule, errors
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = utcnow()
    session.add(rule)
    return rule, {}


def normal_email(text: str) -> str | None:
    """An email address trimmed and lower-cased, or None if it does not look like one."""
    text = text.strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        return None
    return text.lower()


def normal_phone(text: str) -> str | None:
    """A mobile number in E.164 (+15551234567); ten digits are taken as North American."""
    digits = re.sub(r"[\s().-]", "", text.strip())
    if re.fullmatch(r"\d{10}", digits):
        digits = "+1" + digits
    elif re.fullmatch(r"1\d{10}", digits):
        digits = "+" + digits
    return digits if re.fullmatch(r"\+[1-9]\d{7,14}", digits) else None


def contact_key(session: Session) -> bytes:
    """The installation's key for contact hashes (kept in the database, shared by workers)."""
    return auth.stored_secret(session, KEY_NAME).encode()


def contact_hash(key: bytes, address: str) -> str:
    """HMAC-SHA256 of a normalised address: the rule and opt-outs keep this, never the address."""
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def quiet(rule: InvitationRule, moment: datetime, zone_name: str) -> datetime | None:
    """When quiet hours end if `moment` falls in them (service's local time), else None."""
    if rule.quiet_start is None or rule.quiet_end is None:
        return None
    local = as_utc(moment).astimezone(zone(zone_name))
    start, end, hour = rule.quiet_start, rule.quiet_end, local.hour
    inside = start <= hour < end if start < end else hour >= start or hour < end
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    ends = datetime.combine(day, time(end), tzinfo=local.tzinfo)
    return ends.astimezone(as_utc(moment).tzinfo)


def send_time(
    rule: InvitationRule, ended_at: datetime, zone_name: str, now: datetime | None = None
) -> datetime:
    """When to send: the interaction's end plus the delay (not before now), out of quiet hours."""
    due = max(as_utc(ended_at) + timedelta(minutes=rule.delay_minutes), as_utc(now or utcnow()))
    return quiet(rule, due, zone_name) or due
