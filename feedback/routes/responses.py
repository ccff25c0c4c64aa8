"""One response for staff: read it whole; an admin deletes it on the person's request.

GET /dashboard/surveys/{survey}/responses/{id} (admin, manager, viewer of the service);
GET and POST .../delete (admin): a confirmation page with a reason field, no JavaScript.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.answers import corrections
from feedback.core.models import Response as Stored
from feedback.core.models import Service, StaffUser, Survey
from feedback.insight import responses
from feedback.routes.base import db, language, path_id, render, requires
from feedback.routes.filtering import survey_or_404
from feedback.staff.auth import DASHBOARD_ROLES

NO_STORE = {"Cache-Control": "no-store"}


def _load(request: Request, session: Session) -> tuple[Survey, Stored]:
    survey = survey_or_404(session, request)
    found = responses.find(session, survey_id=survey.id, response_id=path_id(request))
    if found is None:
        raise HTTPException(404)
    return survey, found


def _context(session: Session, survey: Survey, found: Stored, lang: str) -> dict[str, Any]:
    return {
        "survey": survey,
        "service": session.get(Service, survey.service_id),
        "view": responses.view(session, survey=survey, response=found, lang=lang),
    }


@requires(*DASHBOARD_ROLES)
async def response_page(request: Request) -> Response:
    """GET .../responses/{id}: every answer, the channel, time, origin and test flag."""
    lang = language(request)
    with db(request) as session:
        survey, found = _load(request, session)
        context = _context(session, survey, found, lang)
    return render(request, "dashboard/response.html", context, lang=lang, headers=NO_STORE)


@requires("admin")
async def delete_page(request: Request) -> Response:
    """GET/POST .../responses/{id}/delete: confirm with a reason, then delete for good."""
    lang = language(request)
    user: StaffUser = request.state.user
    error = ""
    reason = ""
    with db(request) as session:
        survey, found = _load(request, session)
        if request.method == "POST":
            form = await request.form()
            reason = str(form.get("reason") or "")
            deleted_id = found.id
            try:
                corrections.delete_response(
                    session, user=user, survey=survey, response=found, reason=reason, lang=lang
                )
            except corrections.NotAllowed as refused:
                error = refused.message
            else:
                context = {"survey": survey, "deleted_id": deleted_id}
                return render(request, "dashboard/response_deleted.html", context, lang=lang)
        context = _context(session, survey, found, lang) | {"error": error, "reason": reason}
    status = 400 if error else 200
    return render(
        request,
        "dashboard/response_delete.html",
        context,
        lang=lang,
        status_code=status,
        headers=NO_STORE,
    )


routes = [
    Route("/dashboard/surveys/{survey}/responses/{id}", response_page, methods=["GET"]),
    Route(
        "/dashboard/surveys/{survey}/responses/{id}/delete",
        delete_page,
        methods=["GET", "POST"],
    ),
]
