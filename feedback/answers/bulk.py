"""The bulk API's body: many responses at once, each item read into a submission, then stored
in batches (`bulk_store`) with a result per item.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from feedback.answers import intake
from feedback.answers.bulk_store import Item, Result, store_many
from feedback.core.catalog import LANGUAGES
from feedback.core.i18n import gettext_for
from feedback.core.models import utcnow
from feedback.core.times import as_utc

MAX_ITEMS = 1000
CLOCK_SKEW = timedelta(minutes=5)  # a sender's clock may run a little ahead of ours


def parse_time(value: Any, lang: str, *, now: datetime | None = None) -> datetime | None:
    """An optional ISO 8601 time (UTC if no offset), not in the future; Rejected if bad."""
    if value is None:
        return None
    _ = gettext_for(lang).gettext
    try:
        moment = as_utc(datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        message = _("Give the time in ISO 8601, for example 2025-03-31T14:05:00Z.")
        raise intake.Rejected(422, "invalid", message, {"submitted_at": message})
    if moment > (now or utcnow()) + CLOCK_SKEW:
        message = _("The time cannot be in the future.")
        raise intake.Rejected(422, "invalid", message, {"submitted_at": message})
    return moment


def item_from_json(body: Any, lang: str) -> Item:
    """Read one bulk item; a wrong shape is Rejected naming the field."""
    _ = gettext_for(lang).gettext
    invalid = _("Some answers need your attention.")
    if not isinstance(body, dict):
        raise intake.Rejected(422, "invalid", _("Each item must be a JSON object."))
    errors: dict[str, str] = {}
    if not isinstance(body.get("survey"), str):
        errors["survey"] = _("This field is required and must be text.")
    key = body.get("idempotency_key")
    if (
        not isinstance(key, str)
        or not 0 < len(key) <= intake.IDEMPOTENCY_KEY_MAX
        or not key.isprintable()  # NUL and control characters: PostgreSQL refuses some
    ):
        errors["idempotency_key"] = _("Give a unique key of 1 to %(max)d characters.") % {
            "max": intake.IDEMPOTENCY_KEY_MAX
        }
    assisted = body.get("assisted")
    if assisted is not None and not isinstance(assisted, bool):
        errors["assisted"] = _("Answer true or false.")
    if errors:
        raise intake.Rejected(422, "invalid", invalid, errors)
    submission = intake.submission_from_json(body, lang=lang)
    if assisted is None:
        # Only the sender knows whether a person typed the answers in for someone (an agent
        # in a call-centre system): the channel's mode is another thing (channel_mode).
        assisted = False
    return Item(
        survey_id=body["survey"],
        key=key,
        submission=dataclasses.replace(submission, assisted=assisted, source="api"),
        submitted_at=parse_time(body.get("submitted_at"), lang),
    )


def ingest(
    session: Session, *, body: Any, lang: str, service_ids: Sequence[str] = ()
) -> list[Result]:
    """The bulk API's body {"items": [...]}: a result per item. Rejected if the shape is wrong."""
    _ = gettext_for(lang).gettext
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        message = _("Send an object with a non-empty list of items.")
        raise intake.Rejected(422, "invalid", message, {"items": message})
    if len(items) > MAX_ITEMS:
        message = _("Send at most %(max)d items per request (you sent %(n)d).") % {
            "max": MAX_ITEMS,
            "n": len(items),
        }
        raise intake.Rejected(413, "too_many_items", message, {"items": message})
    parsed: list[Item | intake.Rejected] = []
    for raw in items:
        item_lang = raw.get("language") if isinstance(raw, dict) else None
        item_lang = item_lang if item_lang in LANGUAGES else lang
        try:
            parsed.append(item_from_json(raw, item_lang))
        except intake.Rejected as error:
            parsed.append(error)
    return store_many(session, items=parsed, lang=lang, service_ids=service_ids)
