"""Webhooks, for admins: add one per service (its secret shown once), disable it, and read
the delivery log (status, attempts, last answer, times)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.i18n import N_, gettext_for, pick
from feedback.core.models import Webhook
from feedback.insight import summaries
from feedback.integrations import webhooks
from feedback.routes.base import db, form_language, path_id, render, requires

NO_STORE = {"Cache-Control": "no-store"}  # the secret is shown once
STATUS_LABELS = {"pending": N_("Waiting"), "sent": N_("Sent"), "failed": N_("Given up")}
URL_ERRORS = {
    "url": N_("Enter a web address that starts with https:// or http://."),
    "private": N_(
        "This address is on a private network. Use an address reachable on the internet."
    ),
    "service": N_("Choose a service."),
}


def _page(request: Request, lang: str, status: int = 200, **extra: Any) -> Response:
    with db(request) as session:
        hooks = webhooks.listing(session)
        log = webhooks.deliveries(session, limit=50)
        services = summaries.services(session)
    context = {
        "webhooks": hooks,
        "urls": {h.id: h.url for h in hooks},
        "deliveries": log,
        "services": services,
        "service_names": {s.id: s.name for s in services},
        "status_labels": STATUS_LABELS,
        "max_attempts": webhooks.MAX_ATTEMPTS,
        "errors": {},
        "values": {"service": "", "url": ""},
        "done": request.query_params.get("done"),
        **extra,
    }
    return render(request, "admin/webhooks.html", context, lang=lang, status_code=status,
                  headers=NO_STORE)  # fmt: skip


@requires("admin")
async def webhooks_page(request: Request) -> Response:
    """GET /admin/webhooks: the webhooks, a form to add one, and the delivery log."""
    return _page(request, form_language(request))


@requires("admin")
async def add_webhook(request: Request) -> Response:
    """POST /admin/webhooks: add a webhook to a service; its secret is shown once."""
    form = await request.form()
    lang = form_language(request, form)
    _ = gettext_for(lang).gettext
    service = str(form.get("service") or "")
    url = str(form.get("url") or "").strip()
    allow = request.app.state.settings.webhook_allow_private
    with db(request) as session:
        try:
            hook, secret = webhooks.add(
                session, service_id=service, url=url, by=request.state.user, allow_private=allow
            )
        except webhooks.WebhookError as error:
            field = "service" if str(error) == "service" else "url"
            errors = {field: _(URL_ERRORS[str(error)])}
            return _page(request, lang, 400, errors=errors, values={"service": service, "url": url})
        hook_url = hook.url
    return _page(request, lang, new_secret=secret, new_url=hook_url)


@requires("admin")
async def disable_confirm(request: Request) -> Response:
    """GET /admin/webhooks/{id}/disable: ask before turning it off (no script needed)."""
    lang = form_language(request)
    _ = gettext_for(lang).gettext
    hook_id = path_id(request)
    with db(request) as session:
        hook = session.get(Webhook, hook_id)
        names = {s.id: s.name for s in summaries.services(session)}
    if hook is None:
        raise HTTPException(404)
    if not hook.active:
        return RedirectResponse(f"/admin/webhooks?lang={lang}&done=disabled", status_code=303)
    service = pick(names[hook.service_id], lang) if hook.service_id in names else hook.service_id
    context = {
        "heading": _("Turn off this webhook?"),
        "facts": [
            (_("Address"), hook.url),
            (_("Service"), service),
            (_("Added"), f"{hook.created_at:%Y-%m-%d} ({hook.created_by})"),
        ],
        "warning": _(
            "No more messages are sent to this address, and messages still waiting are "
            "given up. It cannot be turned back on: add the address again if it is needed."
        ),
        "action": f"/admin/webhooks/{hook.id}/disable",
        "button": _("Turn off the webhook"),
        "cancel_url": f"/admin/webhooks?lang={lang}",
    }
    return render(request, "admin/confirm.html", context, lang=lang, headers=NO_STORE)


@requires("admin")
async def disable_webhook(request: Request) -> Response:
    """POST /admin/webhooks/{id}/disable: no more messages; pending ones are given up."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        found = webhooks.disable(session, webhook_id=path_id(request), by=request.state.user)
    if found is None:
        raise HTTPException(404)
    return RedirectResponse(f"/admin/webhooks?lang={lang}&done=disabled", status_code=303)


routes = [
    Route("/admin/webhooks", webhooks_page, methods=["GET"]),
    Route("/admin/webhooks", add_webhook, methods=["POST"]),
    Route("/admin/webhooks/{id}/disable", disable_confirm, methods=["GET"]),
    Route("/admin/webhooks/{id}/disable", disable_webhook, methods=["POST"]),
]
