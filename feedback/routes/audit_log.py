"""The audit log, for admins: who did what to which thing, and when, newest first."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.core.i18n import N_, gettext_for
from feedback.core.numbers import whole_number
from feedback.routes.base import db, language, render, requires
from feedback.staff import audit

PER_PAGE = 50
# What each action means, in words; an action not listed here is shown by its name.
ACTIONS = {
    "login.success": N_("Signed in"),
    "login.failed": N_("Failed sign-in"),
    "logout": N_("Signed out"),
    "user.create": N_("Added a user"),
    "user.change": N_("Changed a user's role or services"),
    "user.deactivate": N_("Deactivated a user"),
    "user.reactivate": N_("Reactivated a user"),
    "user.password_reset": N_("Gave a user a new password"),
    "event.add": N_("Added a change event"),
    "event.edit": N_("Edited a change event"),
    "event.delete": N_("Deleted a change event"),
    "comment.hide": N_("Hid a comment"),
    "response.assisted": N_("Entered a response for someone (assisted)"),
    "comment.unhide": N_("Showed a hidden comment again"),
    "alerts.save": N_("Saved alert settings"),
    "scorecard.publish": N_("Published a public scorecard"),
    "scorecard.withdraw": N_("Withdrew a public scorecard"),
    "survey.create": N_("Created a survey"),
    "survey.update": N_("Changed a survey's settings"),
    "survey.status": N_("Changed a survey's status"),
    "question.add": N_("Added a question"),
    "question.update": N_("Changed a question"),
    "question.version": N_("Changed an answered question (new version)"),
    "question.move": N_("Moved a question"),
    "question.remove": N_("Removed a question"),
    "retention.purge": N_("Deleted comments past their retention period"),
    "webhook.add": N_("Added a webhook"),
    "webhook.disable": N_("Turned off a webhook"),
    "token.create": N_("Created an API token"),
    "token.revoke": N_("Revoked an API token"),
}


def _detail(value: Any) -> str:
    """A short readable form of an entry's detail: key: value, one pair after another."""
    if not isinstance(value, dict):
        return ""
    parts = []
    for key, item in value.items():
        if isinstance(item, dict):
            item = _detail(item)
            item = f"({item})"
        elif isinstance(item, list):
            item = ", ".join(str(x) for x in item) or "–"
        parts.append(f"{key}: {item}")
    return "; ".join(parts)


async def audit_page(request: Request) -> Response:
    """GET /admin/audit?before=ID: a page of entries, newest first."""
    lang = language(request)
    before = whole_number(request.query_params.get("before"), lo=1)
    with db(request) as session:
        entries = audit.recent(session, before_id=before, limit=PER_PAGE + 1)
    more = len(entries) > PER_PAGE
    entries = entries[:PER_PAGE]
    translations = gettext_for(lang)
    rows = [
        {
            "when": e.at,
            "who": e.username,
            "action": e.action,
            "label": translations.gettext(ACTIONS[e.action]) if e.action in ACTIONS else e.action,
            "target": e.target,
            "detail": _detail(e.detail),
        }
        for e in entries
    ]
    context = {
        "rows": rows,
        "older": entries[-1].id if more and entries else None,
        "first_page": before is None,
    }
    return render(request, "admin/audit.html", context, lang=lang)


routes = [Route("/admin/audit", requires("admin")(audit_page), methods=["GET"])]
