"""Change events of a service: everyone with access reads them; admins and managers of the
service add, edit and remove them (date and a label in each language)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.catalog import LANGUAGES
from feedback.core.models import ChangeEvent, Service, StaffUser, utcnow
from feedback.insight import events
from feedback.routes.base import db, language, render, requires
from feedback.routes.filtering import EDIT_ROLES, can_edit
from feedback.staff import audit, auth

DONE = ("added", "updated", "deleted")


def _service(request: Request, session: Any, service_id: str) -> Service:
    user: StaffUser = request.state.user
    service = session.get(Service, service_id) if len(service_id) <= 40 else None
    if service is None or not auth.can_see_service(user, service.id):
        raise HTTPException(404)
    return service


def _event(request: Request, session: Any) -> tuple[ChangeEvent, Service]:
    """The event in the path, if the user may edit its service; else 404 or 403."""
    event = events.get(session, request.path_params["event"])
    if event is None:
        raise HTTPException(404)
    service = _service(request, session, event.service_id)
    if not can_edit(request.state.user, service.id):
        raise HTTPException(403)
    return event, service


def _list_page(
    request: Request, service: Service, found: list[ChangeEvent], lang: str, **extra: Any
) -> Response:
    status = extra.pop("status_code", 200)
    done = request.query_params.get("done")
    context = {
        "service": service,
        "events": found,
        "can_edit": can_edit(request.state.user, service.id),
        "form": extra.pop("form", None) or events.EventForm(),
        "done": done if done in DONE else None,
        **extra,
    }
    return render(request, "dashboard/events.html", context, lang=lang, status_code=status)


async def list_events(request: Request) -> Response:
    """GET /dashboard/services/{service}/events: the service's changes, newest first."""
    lang = language(request)
    with db(request) as session:
        service = _service(request, session, request.path_params["service"])
        found = events.of_service(session, service_id=service.id)
    return _list_page(request, service, found, lang)


async def _labels(request: Request) -> tuple[str, dict[str, str]]:
    form = await request.form()
    labels = {code: str(form.get(f"label_{code}") or "") for code in LANGUAGES}
    return str(form.get("day") or ""), labels


async def add_event(request: Request) -> Response:
    """POST /dashboard/services/{service}/events: record a change; errors keep what was typed."""
    lang = language(request)
    day, labels = await _labels(request)
    with db(request) as session:
        service = _service(request, session, request.path_params["service"])
        if not can_edit(request.state.user, service.id):
            raise HTTPException(403)
        form, when, label = events.parse(day, labels, lang, utcnow().date())
        if form.errors:
            found = events.of_service(session, service_id=service.id)
            return _list_page(request, service, found, lang, form=form, status_code=400)
        added = events.add(session, service_id=service.id, day=when, label=label)
        audit.record(
            session, request.state.user, "event.add", f"event:{added.id}", service=service.id
        )
    return RedirectResponse(
        f"/dashboard/services/{service.id}/events?lang={lang}&done=added", status_code=303
    )


async def edit_event(request: Request) -> Response:
    """GET/POST /dashboard/events/{event}/edit: change the date or the labels."""
    lang = language(request)
    with db(request) as session:
        event, service = _event(request, session)
        if request.method == "GET":
            context = {"service": service, "event": event, "form": events.EventForm.of(event)}
            return render(request, "dashboard/event_edit.html", context, lang=lang)
        day, labels = await _labels(request)
        form, when, label = events.parse(day, labels, lang, utcnow().date())
        if form.errors:
            context = {"service": service, "event": event, "form": form}
            return render(request, "dashboard/event_edit.html", context, lang=lang, status_code=400)
        events.update(session, event, day=when, label=label)
        audit.record(
            session, request.state.user, "event.edit", f"event:{event.id}", service=service.id
        )
    return RedirectResponse(
        f"/dashboard/services/{service.id}/events?lang={lang}&done=updated", status_code=303
    )


async def delete_event(request: Request) -> Response:
    """POST /dashboard/events/{event}/delete: remove a change."""
    lang = language(request)
    with db(request) as session:
        event, service = _event(request, session)
        audit.record(
            session, request.state.user, "event.delete", f"event:{event.id}", service=service.id
        )
        events.remove(session, event)
    return RedirectResponse(
        f"/dashboard/services/{service.id}/events?lang={lang}&done=deleted", status_code=303
    )


routes = [
    Route(
        "/dashboard/services/{service}/events",
        requires(*auth.DASHBOARD_ROLES)(list_events),
        methods=["GET"],
    ),
    Route(
        "/dashboard/services/{service}/events", requires(*EDIT_ROLES)(add_event), methods=["POST"]
    ),
    Route(
        "/dashboard/events/{event:int}/edit",
        requires(*EDIT_ROLES)(edit_event),
        methods=["GET", "POST"],
    ),
    Route(
        "/dashboard/events/{event:int}/delete",
        requires(*EDIT_ROLES)(delete_event),
        methods=["POST"],
    ),
]
