"""Who hears at once of an urgent comment, per service: an email address and a webhook."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from feedback.core import outbound
from feedback.core.i18n import gettext_for
from feedback.core.models import Service, StaffUser
from feedback.core.settings import Settings
from feedback.staff import auth

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
EDIT_ROLES = ("admin", "manager")


def editable(session: Session, user: StaffUser, visible: Sequence[str] | None) -> list[Service]:
    """The services whose contact this person may set."""
    stmt = select(Service).order_by(col(Service.id))
    if visible is not None:
        stmt = stmt.where(col(Service.id).in_(visible))
    return [s for s in session.scalars(stmt) if user.role in EDIT_ROLES]


def get(session: Session, user: StaffUser, service_id: str) -> Service | None:
    """The service, if this person may set its contact."""
    service = session.get(Service, service_id)
    if service is None or user.role not in EDIT_ROLES:
        return None
    return service if auth.can_see_service(user, service.id) else None


def check(email: str, webhook: str, lang: str, settings: Settings) -> list[str]:
    """What is wrong with a contact, in the person's language."""
    _ = gettext_for(lang).gettext
    errors = []
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        errors.append(_("Enter an email address in the form name@example.ca."))
    if webhook:
        problem = (
            "url" if len(webhook) > 500
            else outbound.check_url(webhook, allow_private=settings.webhook_allow_private)
        )  # fmt: skip
        if problem == "url":
            errors.append(
                _("Enter a web address that starts with https:// or http://, or leave it empty.")
            )
        elif problem == "private":
            errors.append(_("This address is on a private network. Use a public address."))
    return errors


def save(session: Session, service: Service, *, email: str | None, webhook: str | None) -> None:
    """Set the service's urgent-comment contact (None: not told that way)."""
    service.urgent_email = email
    service.urgent_webhook_url = webhook
    session.add(service)
    session.flush()
