"""Counts sent by integrators: people offered a survey (IVR, call centres) and interactions
served, one item or `{"items": [...]}` of up to 1,000, each with its own result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from feedback.answers import intake
from feedback.core.i18n import gettext_for
from feedback.core.models import Survey
from feedback.reach import interactions, opportunities
from feedback.surveys import definitions as surveys

ITEMS_MAX = 1000


@dataclass
class ItemResult:
    """One item's outcome: its status and, if refused, why."""

    index: int
    status: int
    code: str | None = None
    message: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    outcome: str | None = None  # invitations: queued, not_sampled, recently_invited...

    def as_json(self) -> dict[str, Any]:
        """The item's entry in the `results` list."""
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.outcome:
            out["outcome"] = self.outcome
        if self.code:
            error: dict[str, Any] = {"code": self.code, "message": self.message}
            if self.fields:
                error["fields"] = self.fields
            out["error"] = error
        return out


def items_of(body: Any, lang: str) -> list[Any]:
    """The items of a body (one object, or {"items": [...]}); Rejected if neither."""
    _ = gettext_for(lang).gettext
    if isinstance(body, dict) and "items" in body:
        items = body["items"]
        if not isinstance(items, list) or not 0 < len(items) <= ITEMS_MAX:
            message = _("Send from 1 to %(max)d items.") % {"max": ITEMS_MAX}
            raise intake.Rejected(422, "invalid", message, {"items": message})
        return items
    if isinstance(body, dict):
        return [body]
    raise intake.Rejected(422, "invalid", _("The request body must be a JSON object."))


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return value if ok and 0 <= value <= opportunities.COUNT_MAX else None


def _each(
    items: Sequence[Any], lang: str, one: Callable[[Any, Callable[[str], str]], int]
) -> list[ItemResult]:
    _ = gettext_for(lang).gettext
    out = []
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise intake.Rejected(422, "invalid", _("Each item must be a JSON object."))
            out.append(ItemResult(index, one(item, _)))
        except intake.Rejected as error:
            out.append(ItemResult(index, error.status, error.code, error.message, error.fields))
    return out


def _survey(session: Session, item: dict[str, Any], service_ids: Sequence[str], _: Any) -> Survey:
    survey = (
        surveys.get_survey(session, item["survey"]) if isinstance(item.get("survey"), str) else None
    )
    if survey is None:
        message = _("This survey does not exist.")
        raise intake.Rejected(404, "not_found", message, {"survey": message})
    if service_ids and survey.service_id not in service_ids:
        raise intake.Rejected(403, "forbidden", _("This API token may not use this survey."))
    return survey


def add_opportunities(
    session: Session, *, body: Any, lang: str, token_id: int, service_ids: Sequence[str]
) -> list[ItemResult]:
    """Add each item's count once per key; each item committed on its own."""

    def one(item: dict[str, Any], _: Callable[[str], str]) -> int:
        errors: dict[str, str] = {}
        day, count, key = _day(item.get("day")), _count(item.get("count")), item.get("key")
        if day is None:
            errors["day"] = _("Give a date as YYYY-MM-DD.")
        if count is None:
            errors["count"] = _("Give a whole number from 0 to %(max)s.") % {
                "max": f"{opportunities.COUNT_MAX:,}"
            }
        if not isinstance(key, str) or not 0 < len(key) <= 128 or not key.isprintable():
            errors["key"] = _("Give a unique key of 1 to %(max)d characters.") % {"max": 128}
        survey = _survey(session, item, service_ids, _)
        channel = item.get("channel")
        if channel not in survey.channels:
            errors["channel"] = _("This survey is not offered on this channel.")
        if errors:
            raise intake.Rejected(422, "invalid", _("Some fields need your attention."), errors)
        assert day is not None and count is not None
        batch = opportunities.Batch(
            survey, str(channel), opportunities.clean_touchpoint(item.get("touchpoint")), day,
            count, str(key),
        )  # fmt: skip
        status = opportunities.add_batch(
            session, token_id=token_id, batch=batch, digest=opportunities.body_hash(item)
        )
        if status == 409:
            session.rollback()
            message = _("This key was already used for other numbers.")
            raise intake.Rejected(409, "key_reused", message, {"key": message})
        session.commit()
        return status

    return _each(items_of(body, lang), lang, one)


def add_interactions(
    session: Session, *, body: Any, lang: str, service_ids: Sequence[str]
) -> list[ItemResult]:
    """Store each item's interactions served (the same service, channel and start replaces)."""

    def one(item: dict[str, Any], _: Callable[[str], str]) -> int:
        row = interactions.Row(
            service=item.get("service"), channel=item.get("channel"),
            start=_day(item.get("start")), end=_day(item.get("end")),
            count=_count(item.get("count")),
        )  # fmt: skip
        if service_ids and row.service not in service_ids:
            raise intake.Rejected(403, "forbidden", _("This API token may not use this service."))
        errors = interactions.problems(session, row, _)
        if errors:
            raise intake.Rejected(422, "invalid", _("Some fields need your attention."), errors)
        status = interactions.store(session, row)
        session.commit()
        return status

    return _each(items_of(body, lang), lang, one)
