"""Services, for admins: list, add, change (names, time zone, what citizens see), delete one
that nothing depends on. Every change goes to the audit log. The logo route is public."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.comments import rebuild as comments_rebuild
from feedback.core.catalog import LANGUAGES
from feedback.core.local_time import zone_names
from feedback.core.models import Service, Survey
from feedback.insight import rollups
from feedback.routes.base import db, form_language, language, public, render, requires
from feedback.staff import audit
from feedback.surveys import service_identity, services

DONE = ("added", "changed", "deleted", "logo", "logo_removed")
LOGO_FORM_BYTES = service_identity.LOGO_MAX_BYTES + 16 * 1024  # the file and the form around it


def who_asks(request: Request, survey: Survey, lang: str) -> service_identity.Identity | None:
    """The service behind a survey, as a citizen's page shows it in `lang`."""
    with db(request) as session:
        return service_identity.for_citizens(session, service_id=survey.service_id, lang=lang)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _changes(form: FormData) -> services.Changes:
    return services.Changes(
        names={code: _text(form, f"name_{code}") for code in LANGUAGES},
        time_zone=_text(form, "time_zone"),
        urls={code: _text(form, f"url_{code}") for code in LANGUAGES},
        accent_colour=_text(form, "accent_colour"),
    )


def _service(session: Session, request: Request) -> Service:
    found = services.get(session, request.path_params["service"])
    if found is None:
        raise HTTPException(404)
    return found


def _values(service: Service | None, form: FormData | None, default_zone: str) -> dict[str, str]:
    """What the form's fields show: what was sent, else what is stored, else defaults."""
    if form is not None:
        names = ["id", "time_zone", "accent_colour"]
        names += [f"{p}_{c}" for p in ("name", "url") for c in LANGUAGES]
        return {name: _text(form, name).strip() for name in names}
    values = {"id": "", "time_zone": default_zone, "accent_colour": ""}
    if service is not None:
        values.update(id=service.id, time_zone=service.time_zone)
        values["accent_colour"] = service.accent_colour or ""
    for code in LANGUAGES:
        values[f"name_{code}"] = service.name.get(code, "") if service else ""
        values[f"url_{code}"] = (service.site_url or {}).get(code, "") if service else ""
    return values


def _form_page(
    request: Request,
    lang: str,
    service: Service | None,
    *,
    form: FormData | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    blockers: dict[str, int] = {}
    if service is not None:
        with db(request) as session:
            blockers = services.blockers(session, service_id=service.id)
    context = {
        "service": service,
        "values": _values(service, form, request.app.state.settings.time_zone),
        "errors": errors or {},
        "zones": zone_names(),
        "blockers": blockers,
        "done": request.query_params.get("done")
        if request.query_params.get("done") in DONE
        else None,
        "languages": LANGUAGES,
    }
    status = 400 if errors else 200
    return render(request, "admin/services_form.html", context, lang=lang, status_code=status)


async def list_services(request: Request) -> Response:
    """GET /admin/services: every service, its time zone and surveys, and a link to add one."""
    lang = language(request)
    with db(request) as session:
        found = services.list_services(session)
        counts = services.survey_counts(session)
    done = request.query_params.get("done")
    context = {
        "services": found,
        "counts": counts,
        "done": done if done in DONE else None,
        "done_id": request.query_params.get("id", "")[: services.ID_MAX],
    }
    return render(request, "admin/services.html", context, lang=lang)


async def new_service(request: Request) -> Response:
    """GET /admin/services/new: the form to add a service."""
    return _form_page(request, language(request), None)


async def add_service(request: Request) -> Response:
    """POST /admin/services/new: add a service, then go to its page (to add a logo)."""
    form = await request.form()
    lang = form_language(request, form)
    try:
        with db(request) as session:
            saved = services.add(
                session,
                service_id=_text(form, "id"),
                changes=_changes(form),
                default_zone=request.app.state.settings.time_zone,
                lang=lang,
            )
            audit.record(
                session, request.state.user, "service.create", f"service:{saved.service.id}",
                after=saved.after,
            )  # fmt: skip
            service_id = saved.service.id
    except services.Invalid as error:
        return _form_page(request, lang, None, form=form, errors=error.errors)
    return RedirectResponse(f"/admin/services/{service_id}?lang={lang}&done=added", status_code=303)


async def edit_service(request: Request) -> Response:
    """GET /admin/services/{service}: a service's names, zone, identity and logo."""
    with db(request) as session:
        service = _service(session, request)
    return _form_page(request, language(request), service)


async def change_service(request: Request) -> Response:
    """POST /admin/services/{service}: save; a new time zone rebuilds the daily aggregates."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        service = _service(session, request)
        try:
            saved = services.edit(session, service=service, changes=_changes(form), lang=lang)
        except services.Invalid as error:
            session.rollback()
            return _form_page(request, lang, service, form=form, errors=error.errors)
        audit.record(
            session, request.state.user, "service.change", f"service:{service.id}",
            before=saved.before, after=saved.after,
        )  # fmt: skip
        if saved.zone_changed:
            # Saved first, in this transaction: the rebuild reads the new zone.
            rollups.rebuild_service(session, service_id=service.id)
            comments_rebuild.recount_service(session, service_id=service.id)
        service_id = service.id
    return RedirectResponse(
        f"/admin/services/{service_id}?lang={lang}&done=changed", status_code=303
    )


async def set_logo(request: Request) -> Response:
    """POST /admin/services/logo: upload a new logo (multipart) or remove it (`remove=1`)."""
    form = await request.form()
    lang = form_language(request, form)
    upload = form.get("logo")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    remove = form.get("remove") == "1"
    with db(request) as session:
        service = services.get(session, _text(form, "service"))
        if service is None:
            raise HTTPException(404)
        if not remove and not data:
            message = services.missing_logo_message(lang)
            return _form_page(request, lang, service, errors={"logo": message})
        changes = services.Changes(logo=data or None, remove_logo=remove)
        try:
            saved = services.edit(session, service=service, changes=changes, lang=lang)
        except services.Invalid as error:
            session.rollback()
            return _form_page(request, lang, service, errors=error.errors)
        audit.record(
            session, request.state.user, "service.logo", f"service:{service.id}",
            before={"logo": saved.before["logo"]}, after={"logo": saved.after["logo"]},
        )  # fmt: skip
        service_id = service.id
    done = "logo_removed" if remove else "logo"
    return RedirectResponse(f"/admin/services/{service_id}?lang={lang}&done={done}", 303)


async def confirm_delete(request: Request) -> Response:
    """GET /admin/services/{service}/delete: ask to confirm, or say what keeps it."""
    with db(request) as session:
        service = _service(session, request)
        blockers = services.blockers(session, service_id=service.id)
    context: dict[str, Any] = {"service": service, "blockers": blockers, "errors": {}}
    return render(request, "admin/services_delete.html", context, lang=language(request))


async def delete_service(request: Request) -> Response:
    """POST /admin/services/{service}/delete: delete a service that nothing depends on."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        service = _service(session, request)
        try:
            revoked = services.delete(session, service=service, lang=lang)
        except services.Invalid as error:
            session.rollback()
            blockers = services.blockers(session, service_id=service.id)
            context = {"service": service, "blockers": blockers, "errors": error.errors}
            return render(
                request, "admin/services_delete.html", context, lang=lang, status_code=409
            )
        audit.record(
            session, request.state.user, "service.delete", f"service:{service.id}",
            revoked_tokens=revoked,
        )  # fmt: skip
        service_id = service.id
    return RedirectResponse(
        f"/admin/services?lang={lang}&done=deleted&id={service_id}", status_code=303
    )


@public("citizens see the service's logo on survey pages")
async def logo(request: Request) -> Response:
    """GET /logos/{service}/{version}: the logo; a versioned URL is cached for a year."""
    with db(request) as session:
        found = services.logo_of(session, service_id=request.path_params["service"])
        service = session.get(Service, found.service_id) if found else None
    if found is None or service is None:
        raise HTTPException(404)
    current = request.path_params["version"] == service.logo_version
    cache = "public, max-age=31536000, immutable" if current else "no-cache"
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    return Response(found.content, media_type=found.content_type, headers=headers)


@public("citizens' pages take a service's accent colour from it; no data")
async def theme(request: Request) -> Response:
    """GET /themes/{colour}.css: the accent colour as CSS (a CSP without inline styles)."""
    colour = "#" + request.path_params["colour"]
    try:
        checked = service_identity.accent_colour(colour)
    except service_identity.IdentityError:
        checked = None
    if checked != colour:  # upper case, short forms and pale colours are not served
        raise HTTPException(404)
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    return Response(service_identity.theme_css(colour), media_type="text/css", headers=headers)


routes = [
    Route("/admin/services", requires("admin")(list_services), methods=["GET"]),
    Route("/admin/services/new", requires("admin")(new_service), methods=["GET"]),
    Route("/admin/services/new", requires("admin")(add_service), methods=["POST"]),
    Route("/admin/services/logo", requires("admin")(set_logo), methods=["POST"]),
    Route("/admin/services/{service}", requires("admin")(edit_service), methods=["GET"]),
    Route("/admin/services/{service}", requires("admin")(change_service), methods=["POST"]),
    Route("/admin/services/{service}/delete", requires("admin")(confirm_delete), methods=["GET"]),
    Route("/admin/services/{service}/delete", requires("admin")(delete_service), methods=["POST"]),
    Route("/logos/{service}/{version}", logo, methods=["GET"]),
    Route("/themes/{colour}.css", theme, methods=["GET"]),
]
