"""Services: the rules for adding, changing, listing and deleting them.

A service has an id (lowercase letters, digits and hyphens), a name in every language, an
IANA time zone, and what citizens see of it (feedback.surveys.service_identity). Web pages
and the command line both come here, so one set of rules and messages holds for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from feedback.core.catalog import LANGUAGES
from feedback.core.i18n import N_, gettext_for
from feedback.core.local_time import is_zone
from feedback.core.models import (
    AlertSubscription,
    ApiToken,
    ChangeEvent,
    Service,
    ServiceLogo,
    StaffUser,
    Survey,
    Webhook,
    utcnow,
)
from feedback.surveys import service_identity as identity

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
ID_MIN, ID_MAX = 2, 40
# Paths under /admin/services that an id would hide.
RESERVED_IDS = frozenset({"new", "logo"})
NAME_MAX = 120
NAME_MISSING = {
    "en": N_("Enter the service's name in English."),
    "fr": N_("Enter the service's name in French."),
}


class Invalid(ValueError):
    """What was asked cannot be done; `errors` maps a form field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Changes:
    """What a form or the command line asks to set; None leaves a field as it is."""

    names: dict[str, str | None] = field(default_factory=dict)
    time_zone: str | None = None
    urls: dict[str, str | None] = field(default_factory=dict)
    accent_colour: str | None = None
    logo: bytes | None = None
    remove_logo: bool = False


@dataclass(frozen=True)
class Saved:
    """A service after a change, what it was before (for the audit log), and if its zone moved."""

    service: Service
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def zone_changed(self) -> bool:
        """True when the time zone changed: the daily aggregates must be rebuilt."""
        return bool(self.before) and self.before.get("time_zone") != self.after["time_zone"]


def list_services(session: Session) -> list[Service]:
    """Every service, by id."""
    return list(session.exec(select(Service).order_by(col(Service.id))))


def get(session: Session, service_id: str) -> Service | None:
    """One service, or None (also for ids no service could have)."""
    if not isinstance(service_id, str) or len(service_id) > ID_MAX or not service_id.isprintable():
        return None  # PostgreSQL refuses a NUL in text: such an id is simply not found
    return session.get(Service, service_id)


def survey_counts(session: Session) -> dict[str, int]:
    """How many surveys each service has (services without any are absent)."""
    stmt = select(Survey.service_id, func.count()).group_by(col(Survey.service_id))
    return {service_id: int(n) for service_id, n in session.exec(stmt)}


def as_json(service: Service) -> dict[str, Any]:
    """A service as `feedback services list --json` prints it."""
    return {
        "id": service.id,
        "name": dict(service.name),
        "time_zone": service.time_zone,
        "url": dict(service.site_url or {}),
        "accent_colour": service.accent_colour,
        "logo": bool(service.logo_version),
        "public_scorecard": service.public_scorecard,
    }


def public_identity(service: Service | None) -> dict[str, Any] | None:
    """Who is asking, as the survey definition JSON carries it."""
    if service is None:
        return None
    return {"id": service.id, "name": dict(service.name)}


def missing_logo_message(lang: str) -> str:
    """What the logo form says when no file was chosen."""
    return gettext_for(lang).gettext("Choose a PNG or JPEG file to upload.")


def _snapshot(service: Service) -> dict[str, Any]:
    return {
        "name": dict(service.name),
        "time_zone": service.time_zone,
        "url": dict(service.site_url or {}),
        "accent_colour": service.accent_colour,
        "logo": service.logo_version,
    }


def _check(
    changes: Changes, current: Service | None, lang: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The values to store and the errors, field by field, in `lang`."""
    _ = gettext_for(lang).gettext
    errors: dict[str, str] = {}
    names = dict(current.name) if current else {}
    for code in LANGUAGES:
        given = changes.names.get(code)
        if given is not None:
            names[code] = " ".join(given.split())
        if not names.get(code):
            errors[f"name_{code}"] = _(NAME_MISSING.get(code, NAME_MISSING["en"]))
        elif len(names[code]) > NAME_MAX:
            errors[f"name_{code}"] = _("Use %(max)d characters or fewer.") % {"max": NAME_MAX}
    zone = current.time_zone if current else None
    if changes.time_zone is not None:
        zone = changes.time_zone.strip()
        if not is_zone(zone):
            errors["time_zone"] = _("Choose a time zone from the list, such as America/Toronto.")
    urls = dict(current.site_url or {}) if current else {}
    for code in LANGUAGES:
        given = changes.urls.get(code)
        if given is None:
            continue
        try:
            checked = identity.site_url(given)
        except identity.IdentityError as error:
            errors[f"url_{code}"] = _(str(error))
            continue
        if checked:
            urls[code] = checked
        else:
            urls.pop(code, None)
    accent = current.accent_colour if current else None
    if changes.accent_colour is not None:
        try:
            accent = identity.accent_colour(changes.accent_colour)
        except identity.IdentityError as error:
            errors["accent_colour"] = _(str(error))
    logo = None
    if changes.logo:
        try:
            logo = identity.logo(changes.logo)
        except identity.IdentityError as error:
            errors["logo"] = _(str(error))
    values = {"names": names, "zone": zone, "urls": urls, "accent": accent, "logo": logo}
    return values, errors


def _store(session: Session, service: Service, values: dict[str, Any], changes: Changes) -> None:
    service.name = values["names"]
    service.time_zone = values["zone"]
    service.site_url = values["urls"] or None
    service.accent_colour = values["accent"]
    session.add(service)
    stored = session.get(ServiceLogo, service.id)
    logo: identity.Logo | None = values["logo"]
    if logo is not None:
        stored = stored or ServiceLogo(
            service_id=service.id, content=b"", content_type="", width=0, height=0
        )
        stored.content, stored.content_type = logo.content, logo.content_type
        stored.width, stored.height, stored.updated_at = logo.width, logo.height, utcnow()
        session.add(stored)
        service.logo_version = logo.version
    elif changes.remove_logo:
        if stored is not None:
            session.delete(stored)
        service.logo_version = None


def add(
    session: Session, *, service_id: str, changes: Changes, default_zone: str, lang: str = "en"
) -> Saved:
    """Add a service; Invalid says what to fix. The zone defaults to `default_zone`."""
    _ = gettext_for(lang).gettext
    service_id = service_id.strip()
    errors: dict[str, str] = {}
    if not (ID_MIN <= len(service_id) <= ID_MAX and ID_RE.match(service_id)):
        errors["id"] = _(
            "Use 2 to 40 lowercase letters, digits and hyphens, with a letter or digit at each end."
        )
    elif service_id in RESERVED_IDS:
        errors["id"] = _("This id is reserved. Choose another.")
    elif session.get(Service, service_id) is not None:
        errors["id"] = _("A service already has this id. Choose another.")
    if changes.time_zone is None or not changes.time_zone.strip():
        changes.time_zone = default_zone
    values, more = _check(changes, None, lang)
    errors.update(more)
    if errors:
        raise Invalid(errors)
    service = Service(id=service_id, name=values["names"], time_zone=values["zone"])
    session.add(service)
    session.flush()  # the logo row refers to the service
    _store(session, service, values, changes)
    session.flush()
    return Saved(service=service, before={}, after=_snapshot(service))


def edit(session: Session, *, service: Service, changes: Changes, lang: str = "en") -> Saved:
    """Change a service's names, zone and identity; Invalid says what to fix."""
    before = _snapshot(service)
    values, errors = _check(changes, service, lang)
    if errors:
        raise Invalid(errors)
    _store(session, service, values, changes)
    session.flush()
    return Saved(service=service, before=before, after=_snapshot(service))


def blockers(session: Session, *, service_id: str) -> dict[str, int]:
    """What keeps a service from being deleted: its surveys, change events and webhooks."""
    out = {}
    for name, table in (("surveys", Survey), ("events", ChangeEvent), ("webhooks", Webhook)):
        stmt = select(func.count()).select_from(table).where(table.service_id == service_id)  # type: ignore[attr-defined]
        n = int(session.exec(stmt).one())
        if n:
            out[name] = n
    return out


def delete(session: Session, *, service: Service, lang: str = "en") -> list[str]:
    """Delete a service that nothing depends on; returns the tokens revoked with it.

    Its id leaves every user's and token's list, so a later service with the same id gives
    nobody access by accident."""
    _ = gettext_for(lang).gettext
    refused = Invalid(
        {"delete": _("This service has surveys or other records. It cannot be deleted.")}
    )
    if blockers(session, service_id=service.id):
        raise refused
    revoked = []
    holders: list[StaffUser | ApiToken] = [*session.exec(select(StaffUser))]
    holders += session.exec(select(ApiToken))
    for row in holders:
        if service.id in row.service_ids:
            row.service_ids = [s for s in row.service_ids if s != service.id]
            if isinstance(row, ApiToken) and not row.service_ids and row.revoked_at is None:
                # A token's empty list means every service: one that was limited to this
                # service alone is revoked rather than widened.
                row.revoked_at = utcnow()
                revoked.append(row.name)
            session.add(row)
    for sub in session.exec(
        select(AlertSubscription).where(AlertSubscription.service_id == service.id)
    ):
        session.delete(sub)
    logo = session.get(ServiceLogo, service.id)
    if logo is not None:
        session.delete(logo)
    try:
        with session.begin_nested():  # a table added later that refers to it: refused, not a 500
            session.delete(service)
            session.flush()
    except IntegrityError as error:
        raise refused from error
    return revoked


def logo_of(session: Session, *, service_id: str) -> ServiceLogo | None:
    """A service's stored logo, or None."""
    return session.get(ServiceLogo, service_id) if get(session, service_id) else None
