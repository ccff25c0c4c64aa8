"""An agent's own assisted entries: correct or void one for 30 minutes after saving it.

GET/POST /assist/{survey}/entries/{id}: the entry's answers in the form, to correct them.
GET/POST /assist/{survey}/entries/{id}/void: confirm, then take the entry back for good.
After the window (or for someone else's entry) the buttons are gone and a POST is refused
with a message saying why. Works without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.answers import amend, corrections, intake
from feedback.core.models import Response as Stored
from feedback.core.models import Service, StaffUser, Survey
from feedback.insight import responses
from feedback.routes.assist import NO_STORE, ROLES
from feedback.routes.base import db, language, path_id, render, requires
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys import forms

DONE = "entry_done"  # session key of the one-time "corrected" / "voided" message


def _load(request: Request, session: Session) -> tuple[Survey, Stored]:
    """The survey and this user's entry in it; 404 for anything else (no hint it exists)."""
    user: StaffUser = request.state.user
    survey = surveys.get_survey(session, request.path_params["survey"])
    if survey is None or not auth.can_see_service(user, survey.service_id):
        raise HTTPException(404)
    found = responses.find(session, survey_id=survey.id, response_id=path_id(request))
    if found is None or found.entered_by != user.id:
        raise HTTPException(404)
    return survey, found


def _values(answers: dict[str, Any]) -> dict[str, list[str]]:
    """Stored answers as the form's fields hold them (q_<key>: list of strings)."""
    out: dict[str, list[str]] = {}
    for key, value in answers.items():
        if isinstance(value, bool):
            out[f"q_{key}"] = ["true" if value else "false"]
        elif isinstance(value, list):
            out[f"q_{key}"] = [str(v) for v in value]
        elif value is not None:
            out[f"q_{key}"] = [str(value)]
    return out


def _page(
    request: Request,
    session: Session,
    survey: Survey,
    found: Stored,
    lang: str,
    *,
    template: str = "assist/entry.html",
    values: dict[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    refused: str = "",
    status_code: int = 200,
) -> Response:
    user: StaffUser = request.state.user
    questions = surveys.questions_of(session, survey.id)
    if values is None:
        assert found.id is not None
        values = _values(amend.stored_answers(session, found.id, questions))
    caller = found.language if found.language in survey.languages else lang
    view = responses.view(session, survey=survey, response=found, lang=lang)
    context = {
        "survey": survey,
        "service": session.get(Service, survey.service_id),
        "view": view,
        "fields": forms.fields(questions, caller),
        "notes": {},
        "person_lang": caller,
        "values": values,
        "errors": errors or {},
        "refused": refused,
        "open": corrections.may_amend(user, found, corrections.now()),
        "until": corrections.open_until(found).astimezone(view.local_time.tzinfo),
        "done": request.session.pop(DONE, None) if request.method == "GET" else None,
    }
    return render(request, template, context, lang=lang, status_code=status_code, headers=NO_STORE)


def _back(request: Request, survey: Survey, lang: str, done: str, entry: int | None) -> Response:
    request.session[DONE] = done
    path = f"/assist/{survey.id}/entries" + (f"/{entry}" if entry else "")
    return RedirectResponse(f"{path}?{urlencode({'lang': lang})}", status_code=303)


@requires(*ROLES)
async def entries_page(request: Request) -> Response:
    """GET /assist/{survey}/entries: this agent's entries still open to correction."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        if survey is None or not auth.can_see_service(user, survey.service_id):
            raise HTTPException(404)
        assert user.id is not None
        since = corrections.now() - corrections.WINDOW
        found = responses.recent_entries(session, user_id=user.id, survey_id=survey.id, since=since)
        views = [responses.view(session, survey=survey, response=r, lang=lang) for r in found]
        context = {
            "survey": survey,
            "service": session.get(Service, survey.service_id),
            "entries": [
                (v, corrections.open_until(v.response).astimezone(v.local_time.tzinfo))
                for v in views
            ],
            "done": request.session.pop(DONE, None),
        }
    return render(request, "assist/entries.html", context, lang=lang, headers=NO_STORE)


@requires(*ROLES)
async def entry_page(request: Request) -> Response:
    """GET/POST /assist/{survey}/entries/{id}: the entry's answers; save a correction."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        survey, found = _load(request, session)
        if request.method == "GET":
            return _page(request, session, survey, found, lang)
        form = await request.form()
        values = {key: [str(v) for v in form.getlist(key)] for key in form}
        questions = surveys.questions_of(session, survey.id)
        try:
            corrections.correct_entry(
                session,
                user=user,
                survey=survey,
                questions=questions,
                response=found,
                answers=forms.answers_from_form(questions, values),
                language=found.language,
                lang=lang,
            )
        except corrections.NotAllowed as error:
            return _page(
                request, session, survey, found, lang, refused=error.message, status_code=403
            )
        except intake.Rejected as error:
            session.rollback()
            survey, found = _load(request, session)
            if error.status != 422 or not error.fields:
                # Not the answers: the survey was closed meanwhile, say. Said as it is.
                return _page(
                    request, session, survey, found, lang, values=values,
                    refused=error.message, status_code=error.status,
                )  # fmt: skip
            return _page(
                request, session, survey, found, lang, values=values, errors=error.fields,
                status_code=422,
            )  # fmt: skip
        entry = found.id
    return _back(request, survey, lang, "corrected", entry)


@requires(*ROLES)
async def void_page(request: Request) -> Response:
    """GET/POST /assist/{survey}/entries/{id}/void: confirm, then take the entry back."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        survey, found = _load(request, session)
        if request.method == "GET":
            return _page(request, session, survey, found, lang, template="assist/void.html")
        try:
            corrections.void_entry(session, user=user, survey=survey, response=found, lang=lang)
        except corrections.NotAllowed as error:
            return _page(
                request,
                session,
                survey,
                found,
                lang,
                template="assist/void.html",
                refused=error.message,
                status_code=403,
            )
    return _back(request, survey, lang, "voided", None)


routes = [
    Route("/assist/{survey}/entries", entries_page, methods=["GET"]),
    Route("/assist/{survey}/entries/{id}", entry_page, methods=["GET", "POST"]),
    Route("/assist/{survey}/entries/{id}/void", void_page, methods=["GET", "POST"]),
]
