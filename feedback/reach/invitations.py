"""Invitations after an interaction: checked, sampled, held to the contact-frequency rule and
opt-outs, then queued with their send time. Only queued invitations keep the address, and
only until their last message is sent (reach.sending)."""

from __future__ import annotations

import csv
import io
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from feedback.answers import intake
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for
from feedback.core.local_time import zone
from feedback.core.models import (
    ContactMark,
    ContactOptOut,
    Invitation,
    InvitationRule,
    Service,
    Survey,
    utcnow,
)
from feedback.core.times import as_utc
from feedback.reach import rules
from feedback.reach.counting_api import ItemResult, items_of
from feedback.surveys import definitions as surveys

CSV_ROWS_MAX = 10_000
ENDED_MAX_AGE = timedelta(days=30)  # an interaction older than this is too old to ask about
# The outcomes of an accepted item besides "queued": nothing is kept of these people.
SKIPPED = ("not_sampled", "recently_invited", "unsubscribed")


@dataclass(frozen=True)
class Item:
    """One invitation as asked for, checked."""

    survey: Survey
    medium: str  # email | sms
    address: str  # normalised
    channel: str
    touchpoint: str | None
    language: str
    ended_at: datetime


def _ended(value: Any, now: datetime) -> datetime | None:
    try:
        moment = as_utc(datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None or moment > now + timedelta(minutes=5) or moment < now - ENDED_MAX_AGE:
        return None
    return moment


def check_item(
    session: Session,
    body: Any,
    _: Callable[[str], str],
    *,
    service_ids: Sequence[str] = (),
    now: datetime | None = None,
) -> Item:
    """Read one invitation; Rejected naming each field that is wrong."""
    now = now or utcnow()
    if not isinstance(body, dict):
        raise intake.Rejected(422, "invalid", _("Each item must be a JSON object."))
    wanted = body.get("survey")
    survey = surveys.get_survey(session, wanted) if isinstance(wanted, str) else None
    if survey is None:
        message = _("This survey does not exist.")
        raise intake.Rejected(404, "not_found", message, {"survey": message})
    if service_ids and survey.service_id not in service_ids:
        raise intake.Rejected(403, "forbidden", _("This API token may not use this survey."))
    if survey.status != "live":
        raise intake.Rejected(409, "closed", _("This survey is not live."))
    errors: dict[str, str] = {}
    email, phone = body.get("email"), body.get("phone")
    medium, address = "", None
    if isinstance(email, str) and email.strip() and not phone:
        medium, address = "email", rules.normal_email(email)
        if address is None:
            errors["email"] = _("Enter an email address like name@example.com.")
    elif isinstance(phone, str) and phone.strip() and not email:
        medium, address = "sms", rules.normal_phone(phone)
        if address is None:
            errors["phone"] = _("Enter a mobile number like +1 613 555 0123.")
    else:
        errors["email"] = _("Give either an email address or a mobile number.")
    channel = body.get("channel")
    if not isinstance(channel, str) or channel not in survey.channels or channel not in CHANNELS:
        errors["channel"] = _("This survey is not offered on this channel.")
    language = body.get("language")
    if language not in survey.languages:
        errors["language"] = _("Use one of the survey's languages: %(langs)s.") % {
            "langs": ", ".join(survey.languages)
        }
    touchpoint = body.get("touchpoint")
    if touchpoint is not None and (
        not isinstance(touchpoint, str)
        or len(touchpoint) > intake.TOUCHPOINT_MAX
        or not intake.storable(touchpoint)
    ):
        errors["touchpoint"] = _("The touchpoint must be text of at most %(max)d characters.") % {
            "max": intake.TOUCHPOINT_MAX
        }
    ended = _ended(body.get("ended_at"), now)
    if ended is None:
        errors["ended_at"] = _(
            "Give when the interaction ended, in ISO 8601, within the last 30 days."
        )
    if errors:
        raise intake.Rejected(422, "invalid", _("Some fields need your attention."), errors)
    assert address is not None and ended is not None
    tp = touchpoint.strip() if isinstance(touchpoint, str) and touchpoint.strip() else None
    return Item(survey, medium, address, str(channel), tp, str(language), ended)


def _known(
    session: Session, digests: set[str]
) -> tuple[set[tuple[str, str]], dict[tuple[str, str], ContactMark]]:
    """The opt-outs and contact marks of these people, read in two queries."""
    if not digests:
        return set(), {}
    wanted = list(digests)
    opted = session.exec(
        select(ContactOptOut.service_id, ContactOptOut.contact_hash).where(
            col(ContactOptOut.contact_hash).in_(wanted)
        )
    ).all()
    marks = session.exec(select(ContactMark).where(col(ContactMark.contact_hash).in_(wanted)))
    return {(a, b) for a, b in opted}, {(m.service_id, m.contact_hash): m for m in marks}


def accept_many(
    session: Session,
    *,
    body: Any,
    lang: str,
    service_ids: Sequence[str] = (),
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> list[ItemResult]:
    """Each item's outcome (202 queued, 200 not invited and why, or an error), committed.

    The opt-outs, the frequency rule and then sampling decide, in the items' order; a person
    twice in one batch is judged the second time with the first one's outcome.
    """
    _ = gettext_for(lang).gettext
    rng = rng or random.SystemRandom()
    now = now or utcnow()
    key = rules.contact_key(session)
    settings: dict[str, tuple[InvitationRule, str]] = {}
    out: list[ItemResult] = []
    checked: list[tuple[int, Item, str]] = []
    for index, raw in enumerate(items_of(body, lang)):
        try:
            item = check_item(session, raw, _, service_ids=service_ids, now=now)
        except intake.Rejected as error:
            out.append(ItemResult(index, error.status, error.code, error.message, error.fields))
            continue
        checked.append((index, item, rules.contact_hash(key, item.address)))
        if item.survey.id not in settings:
            rule = rules.rule_for(session, item.survey.id)
            settings[item.survey.id] = (rule, local_zone(session, item.survey))
    opted, marks = _known(session, {digest for _i, _item, digest in checked})
    for index, item, digest in checked:
        service_id = item.survey.service_id
        rule, zone_name = settings[item.survey.id]
        mark = marks.get((service_id, digest))
        if (service_id, digest) in opted:
            outcome = "unsubscribed"
        elif mark is not None and as_utc(mark.expires_at) > now:
            outcome = "recently_invited"
        # Sampled after the rule, so the share invited is the share of people who may be asked.
        elif rng.random() * 100 >= rule.sample_percent:
            outcome = "not_sampled"
        else:
            outcome = "queued"
            if mark is None:
                mark = marks[(service_id, digest)] = ContactMark(
                    service_id=service_id, contact_hash=digest, expires_at=now
                )
            mark.expires_at = now + timedelta(days=rule.frequency_days)
            session.add(mark)
            session.add(
                Invitation(
                    survey_id=item.survey.id, token=secrets.token_urlsafe(16),
                    medium=item.medium, email=item.address if item.medium == "email" else None,
                    phone=item.address if item.medium == "sms" else None, contact_hash=digest,
                    channel=item.channel, touchpoint=item.touchpoint, language=item.language,
                    ended_at=item.ended_at,
                    due_at=rules.send_time(rule, item.ended_at, zone_name, now),
                )
            )  # fmt: skip
        out.append(ItemResult(index, 202 if outcome == "queued" else 200, outcome=outcome))
    # One transaction for the batch: a commit per person would cost a disk flush each.
    session.commit()
    return sorted(out, key=lambda r: r.index)


def rows_from_csv(text: str, survey_id: str) -> list[dict[str, Any]]:
    """API items from an uploaded CSV: email or phone, channel, touchpoint, language, ended_at."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for row in reader:
        clean = {str(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        item: dict[str, Any] = {"survey": survey_id}
        for key in ("email", "phone", "channel", "touchpoint", "language", "ended_at"):
            if clean.get(key):
                item[key] = clean[key]
        rows.append(item)
        if len(rows) >= CSV_ROWS_MAX:
            break
    return rows


def forget(session: Session, *, now: datetime | None = None) -> int:
    """Forget what the frequency rule kept once its window is over: expired marks, and the
    hashes and rows of invitations older than their survey's window."""
    now = now or utcnow()
    conn = session.connection()
    gone = conn.execute(delete(ContactMark).where(col(ContactMark.expires_at) < now)).rowcount
    ids = session.exec(select(Invitation.survey_id).distinct()).all()
    for survey_id in ids:
        window = timedelta(days=rules.rule_for(session, survey_id).frequency_days)
        # Kept at least a month (a late answer, a late unsubscribe), then nothing is needed.
        old = now - max(window, timedelta(days=30))
        gone += conn.execute(
            delete(Invitation).where(
                col(Invitation.survey_id) == survey_id,
                col(Invitation.created_at) < old,
                col(Invitation.status).notin_(("waiting", "sent")),
            )
        ).rowcount
    return int(gone or 0)


def local_zone(session: Session, survey: Survey) -> str:
    """The service's time zone name."""
    service = session.get(Service, survey.service_id)
    return service.time_zone if service and zone(service.time_zone) else "UTC"


def status_counts(session: Session, survey_id: str) -> dict[str, int]:
    """How many of the survey's invitations are waiting, sent, done... and answered."""
    rows = session.exec(
        select(Invitation.status, func.count())
        .where(Invitation.survey_id == survey_id)
        .group_by(Invitation.status)
    ).all()
    out = {str(status): int(n) for status, n in rows}
    answered = session.exec(
        select(func.count()).where(
            Invitation.survey_id == survey_id, col(Invitation.response_id).is_not(None)
        )
    ).one()
    out["answered"] = int(answered)
    return out
