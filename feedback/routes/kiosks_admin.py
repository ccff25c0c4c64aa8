"""Kiosk tablets: admins add one (its enrolment link is shown once), see when each was last
used, and revoke it; the tablet opens the link once to become a kiosk (answers/kiosks.py)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.answers import kiosks
from feedback.core.i18n import gettext_for
from feedback.core.models import KioskDevice
from feedback.routes.base import db, form_language, path_id, public, render, requires

# The link is shown once and the tablet's page sets its secret: no browser or proxy keeps them.
NO_STORE = {"Cache-Control": "no-store"}


def _page(request: Request, lang: str, status: int = 200, **extra: Any) -> Response:
    with db(request) as session:
        devices = [(device, kiosks.status(device)) for device in kiosks.listing(session)]
    done = request.query_params.get("done")
    context = {"devices": devices, "errors": {}, "name": "", "done": done, **extra}
    return render(request, "admin/kiosks.html", context, lang=lang, status_code=status,
                  headers=NO_STORE)  # fmt: skip


@requires("admin")
async def kiosks_page(request: Request) -> Response:
    """GET /admin/kiosks: every tablet with its state and last use; a form to add one."""
    return _page(request, form_language(request))


@requires("admin")
async def add_kiosk(request: Request) -> Response:
    """POST /admin/kiosks: add a tablet and show its one-time enrolment link."""
    form = await request.form()
    lang = form_language(request, form)
    name = str(form.get("name") or "").strip()
    try:
        with db(request) as session:
            device, code = kiosks.add(session, name=name, by=request.state.user)
            device_name, expires = device.name, device.enrol_expires_at
    except kiosks.KioskError:
        message = gettext_for(lang).gettext(
            "Enter a name of at most 80 characters, such as the counter where the tablet stands."
        )
        return _page(request, lang, 400, errors={"name": message}, name=name)
    link = f"{request.app.state.settings.base_url.rstrip('/')}/kiosk/enrol/{code}?lang={lang}"
    return _page(request, lang, new_link=link, new_name=device_name, new_expires=expires)


def _facts(device: KioskDevice, lang: str) -> list[tuple[str, str]]:
    _ = gettext_for(lang).gettext
    used = device.last_used_at
    last = used.strftime("%Y-%m-%d %H:%M UTC") if used else _("Never")
    return [(_("Name"), device.name), (_("Added by"), device.created_by), (_("Last used"), last)]


@requires("admin")
async def revoke_confirm(request: Request) -> Response:
    """GET /admin/kiosks/{id}/revoke: ask before revoking (a plain page, no script needed)."""
    lang = form_language(request)
    _ = gettext_for(lang).gettext
    device_id = path_id(request)
    with db(request) as session:
        device = session.get(KioskDevice, device_id)
    if device is None:
        raise HTTPException(404)
    if device.revoked_at is not None:
        return RedirectResponse(f"/admin/kiosks?lang={lang}&done=revoked", status_code=303)
    context = {
        "heading": _("Revoke the tablet “%(name)s”?") % {"name": device.name},
        "facts": _facts(device, lang),
        "warning": _(
            "The tablet stops sending kiosk answers at once, and its kiosk pages ask for a new "
            "set-up. To use it again, add it again and open the new link on it."
        ),
        "action": f"/admin/kiosks/{device.id}/revoke",
        "button": _("Revoke the tablet"),
        "cancel_url": f"/admin/kiosks?lang={lang}",
    }
    return render(request, "admin/confirm.html", context, lang=lang, headers=NO_STORE)


@requires("admin")
async def revoke_kiosk(request: Request) -> Response:
    """POST /admin/kiosks/{id}/revoke: the tablet is refused at once."""
    form = await request.form()
    lang = form_language(request, form)
    device_id = path_id(request)
    with db(request) as session:
        found = kiosks.revoke(session, device_id=device_id, by=request.state.user)
    if found is None:
        raise HTTPException(404)
    return RedirectResponse(f"/admin/kiosks?lang={lang}&done=revoked", status_code=303)


@public("a tablet opens its one-time enrolment link; the code is the credential")
async def enrol_page(request: Request) -> Response:
    """GET /kiosk/enrol/{code}: which tablet this link sets up, and a button to do it.

    A button, not the visit itself: a link preview or a virus scanner that fetches the link
    must not use it up.
    """
    lang = form_language(request)
    with db(request) as session:
        device = kiosks.waiting(session, request.path_params["code"])
        name = device.name if device else None
    context = {"name": name, "done": False}
    return render(request, "kiosk/enrol.html", context, lang=lang,
                  status_code=200 if name else 404, headers=NO_STORE)  # fmt: skip


@public("a tablet uses its one-time enrolment link and keeps the kiosk cookie it sets")
async def enrol(request: Request) -> Response:
    """POST /kiosk/enrol/{code}: make this tablet a kiosk; its secret goes in a cookie."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        enrolled = kiosks.enrol(session, request.path_params["code"])
        name = enrolled[0].name if enrolled else None
    context: dict[str, Any] = {"name": None, "done": False}
    if enrolled is None:
        return render(request, "kiosk/enrol.html", context, lang=lang, status_code=404,
                      headers=NO_STORE)  # fmt: skip
    context = {"name": name, "done": True}
    response = render(request, "kiosk/enrol.html", context, lang=lang, headers=NO_STORE)
    # HttpOnly: no script on any page can read it. Path /k/: sent to the kiosk pages only,
    # never to the hosted survey, the widget or staff pages. Strict: never sent from another
    # site's page.
    response.set_cookie(
        kiosks.COOKIE,
        enrolled[1],
        max_age=kiosks.COOKIE_MAX_AGE,
        path=kiosks.COOKIE_PATH,
        secure=request.app.state.settings.https,
        httponly=True,
        samesite="strict",
    )
    return response


routes = [
    Route("/admin/kiosks", kiosks_page, methods=["GET"]),
    Route("/admin/kiosks", add_kiosk, methods=["POST"]),
    Route("/admin/kiosks/{id}/revoke", revoke_confirm, methods=["GET"]),
    Route("/admin/kiosks/{id}/revoke", revoke_kiosk, methods=["POST"]),
    Route("/kiosk/enrol/{code}", enrol_page, methods=["GET"]),
    Route("/kiosk/enrol/{code}", enrol, methods=["POST"]),
]
