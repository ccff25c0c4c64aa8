"""Change events: dated notes on a service ("new online form launched"), kept by managers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from feedback.core.catalog import LANGUAGES, Text
from feedback.core.i18n import gettext_for
from feedback.core.models import ChangeEvent, ChangeEventCitation, Theme

LABEL_MAX = 200
EARLIEST = date(2000, 1, 1)


@dataclass
class EventForm:
    """What a manager typed; `errors` maps a field name to a message in their language."""

    day: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, event: ChangeEvent) -> EventForm:
        """The form filled from a stored event."""
        return cls(event.day.isoformat(), {k: event.label.get(k, "") for k in LANGUAGES})


def parse(day: str, labels: dict[str, str], lang: str, today: date) -> tuple[EventForm, date, Text]:
    """Check a submitted event; every field keeps what was typed, errors name the field."""
    _ = gettext_for(lang).gettext
    form = EventForm(day.strip(), {k: (labels.get(k) or "").strip() for k in LANGUAGES})
    when = EARLIEST
    try:
        when = date.fromisoformat(form.day)
    except ValueError:
        form.errors["day"] = (
            _("Enter the date of the change.")
            if not form.day
            else _("“%(value)s” is not a date. Use the form 2026-01-31.") % {"value": form.day[:20]}
        )
    else:
        if when < EARLIEST or when.year > today.year + 1:
            form.errors["day"] = _("Enter a date between 2000 and next year.")
    names = {"en": _("Enter the label in English."), "fr": _("Enter the label in French.")}
    for code in LANGUAGES:
        text = form.labels[code]
        if not text:
            form.errors[f"label_{code}"] = names[code]
        elif len(text) > LABEL_MAX:
            form.errors[f"label_{code}"] = _(
                "Use %(max)d characters or fewer (you used %(n)d)."
            ) % {"max": LABEL_MAX, "n": len(text)}
    return form, when, dict(form.labels)


def of_service(session: Session, *, service_id: str) -> list[ChangeEvent]:
    """Every change of a service, newest first."""
    stmt = (
        select(ChangeEvent)
        .where(ChangeEvent.service_id == service_id)
        .order_by(col(ChangeEvent.day).desc(), col(ChangeEvent.id).desc())
    )
    return list(session.exec(stmt))


def get(session: Session, event_id: int) -> ChangeEvent | None:
    """One change event by id."""
    return session.get(ChangeEvent, event_id)


def add(session: Session, *, service_id: str, day: date, label: Text) -> ChangeEvent:
    """Record a change on a service."""
    event = ChangeEvent(service_id=service_id, day=day, label=label)
    session.add(event)
    session.flush()
    return event


def update(session: Session, event: ChangeEvent, *, day: date, label: Text) -> None:
    """Change an event's date and labels."""
    event.day = day
    event.label = label
    session.add(event)
    session.flush()


def remove(session: Session, event: ChangeEvent) -> None:
    """Delete a change event."""
    session.delete(event)
    session.flush()


def cite(
    session: Session, event: ChangeEvent, *, theme_ids: list[int], answer_ids: list[int]
) -> int:
    """Record themes and comments that led to a change (each once); how many were new."""
    assert event.id is not None
    stmt = select(ChangeEventCitation).where(ChangeEventCitation.event_id == event.id)
    have = {(c.theme_id, c.answer_id) for c in session.exec(stmt)}
    wanted = [(t, None) for t in theme_ids] + [(None, a) for a in answer_ids]
    fresh = [w for w in dict.fromkeys(wanted) if w not in have]
    for theme_id, answer_id in fresh:
        session.add(ChangeEventCitation(event_id=event.id, theme_id=theme_id, answer_id=answer_id))
    session.flush()
    return len(fresh)


def cited_themes(session: Session, event_ids: list[int]) -> dict[int, list[Theme]]:
    """The themes each change cites (what the public scorecard lists; never comment text)."""
    stmt = (
        select(ChangeEventCitation.event_id, Theme)
        .join(Theme, col(Theme.id) == ChangeEventCitation.theme_id)
        .where(col(ChangeEventCitation.event_id).in_(event_ids))
        .order_by(col(Theme.id))
    )
    out: dict[int, list[Theme]] = {}
    for event_id, theme in session.exec(stmt):
        out.setdefault(event_id, []).append(theme)
    return out
