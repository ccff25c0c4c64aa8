"""The survey builder pages (/admin/surveys): list, new, edit, questions, status, preview.

Every form posts, then redirects to a page (POST-redirect-GET); a form with errors is shown
again with what was typed and a message beside each field, in the staff member's language.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.catalog import CHANNELS, DRIVERS, KINDS
from feedback.core.models import Question, Service, Survey
from feedback.routes import builder_views as views
from feedback.routes.base import db, language, render, requires
from feedback.routes.filtering import DRIVER_NAMES
from feedback.surveys import builder, builder_review, forms
from feedback.surveys import builder_questions as bq
from feedback.surveys import definitions as surveys
from feedback.surveys.builder import Form, Invalid
from feedback.surveys.survey_templates import TEMPLATES

DONE: tuple[str, ...] = ("created", "saved", "added", "moved", "deleted", "retired", "live")
DONE += ("closed", "duplicated", "confirmed")  # the last two from builder_actions


async def _form(request: Request) -> dict[str, list[str]]:
    data = await request.form()
    return {key: [str(v) for v in data.getlist(key)] for key in data}


def survey_to_edit(request: Request, session: Session) -> Survey:
    """The survey in the path, if this user may edit it; else 404 or 403."""
    survey = surveys.get_survey(session, request.path_params["survey"])
    if survey is None:
        raise HTTPException(404)
    if not builder.may_edit(request.state.user, survey):
        raise HTTPException(403)
    return survey


def _question(session: Session, survey: Survey, key: str) -> Question:
    question = bq.find(session, survey, key)
    if question is None:
        raise HTTPException(404)
    return question


def to_edit(survey: Survey, lang: str, done: str, anchor: str = "") -> RedirectResponse:
    """Back to the survey's builder page, with a one-word outcome to confirm."""
    url = f"/admin/surveys/{survey.id}?lang={lang}&done={done}" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(url, status_code=303)


async def survey_list(request: Request) -> Response:
    """GET /admin/surveys: the surveys of the user's services."""
    lang = language(request)
    with db(request) as session:
        found = builder.surveys_for(session, user=request.state.user)
        services = {s.id: s for s in builder.services_for(session, user=request.state.user)}
    context = {"surveys": found, "services": services}
    return render(request, "admin/surveys.html", context, lang=lang)


def _new_page(
    request: Request, session: Session, lang: str, form: Form, errors: dict[str, str]
) -> Response:
    context = {
        "services": builder.services_for(session, user=request.state.user),
        "templates": list(TEMPLATES.values()),
        "form": form,
        "errors": errors,
    }
    status = 400 if errors else 200
    return render(request, "admin/new.html", context, lang=lang, status_code=status)


async def survey_new(request: Request) -> Response:
    """GET/POST /admin/surveys/new: a draft survey from a template or from blank."""
    lang = language(request)
    if request.method == "GET":
        with db(request) as session:
            # ?service= preselects the service (the link after adding one).
            chosen = {"template": [""], "service": [request.query_params.get("service", "")]}
            return _new_page(request, session, lang, chosen, {})
    form = await _form(request)
    try:
        with db(request) as session:
            survey = builder.create_survey(session, user=request.state.user, form=form, lang=lang)
    except Invalid as error:
        with db(request) as session:
            return _new_page(request, session, lang, form, error.errors)
    return to_edit(survey, lang, "created")


def _edit_page(
    request: Request,
    session: Session,
    survey: Survey,
    lang: str,
    failed: str = "",
    form: Form | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    questions = surveys.questions_of(session, survey.id)
    fields = forms.fields(questions, lang)
    cards = []
    for index, question in enumerate(questions):
        candidates = [f for f in fields[:index] if f.choices]
        mine = failed == question.key
        cards.append(
            views.question_view(
                question,
                candidates,
                bq.has_answers(session, question.id),
                form if mine else None,
                errors if mine else None,
            )
        )
    done = request.query_params.get("done")
    settings_form = form if failed == "settings" else None
    context = {
        "survey": survey,
        "service": session.get(Service, survey.service_id),
        "questions": cards,
        "reviews": builder_review.items(survey, questions, lang),
        "marks": {f"{m['part']}|{m['language']}" for m in survey.needs_review or []},
        "retired": bq.retired_of(session, survey.id),
        "failed": failed,
        "errors": errors or {},
        "form": form or {},
        "settings": views.settings_view(survey, settings_form),
        "transitions": builder.TRANSITIONS.get(survey.status, ()),
        "done": done if done in DONE else None,
        "kinds": KINDS,
        "kind_names": views.KIND_NAMES,
        "drivers": DRIVERS,
        "driver_names": DRIVER_NAMES,
        "scale_names": views.SCALE_NAMES,
        "channels": CHANNELS,
    }
    status = 400 if errors else 200
    return render(request, "admin/edit.html", context, lang=lang, status_code=status)


async def survey_edit(request: Request) -> Response:
    """GET /admin/surveys/{survey}: the builder, English and French side by side."""
    lang = language(request)
    with db(request) as session:
        survey = survey_to_edit(request, session)
        return _edit_page(request, session, survey, lang)


async def _change(
    request: Request, scope: str, action: Any, done: str, anchor: str = ""
) -> Response:
    """Run one change on the survey; on Invalid, show the edit page again with the errors."""
    lang = language(request)
    form = await _form(request)
    try:
        with db(request) as session:
            survey = survey_to_edit(request, session)
            outcome = action(session, survey, form, lang)
            builder.ensure_ready_if_live(session, survey, lang)
    except Invalid as error:
        with db(request) as session:
            survey = survey_to_edit(request, session)
            return _edit_page(request, session, survey, lang, scope, form, error.errors)
    return to_edit(survey, lang, outcome or done, anchor)


async def save_settings(request: Request) -> Response:
    """POST /admin/surveys/{survey}/settings: title, channels, origins, retention, limit."""

    def act(session: Session, survey: Survey, form: Form, lang: str) -> None:
        builder.update_settings(
            session, user=request.state.user, survey=survey, form=form, lang=lang
        )

    return await _change(request, "settings", act, "saved", "settings")


async def change_status(request: Request) -> Response:
    """POST /admin/surveys/{survey}/status: go live (after the checks), close or reopen."""

    def act(session: Session, survey: Survey, form: Form, lang: str) -> str:
        status = builder.first(form, "status")
        builder.set_status(
            session, user=request.state.user, survey=survey, status=status, lang=lang
        )
        return status if status in DONE else "saved"

    return await _change(request, "status", act, "saved", "status")


async def add_question(request: Request) -> Response:
    """POST /admin/surveys/{survey}/questions: append a question."""
    key = {"value": ""}

    def act(session: Session, survey: Survey, form: Form, lang: str) -> None:
        question = bq.add_question(
            session, user=request.state.user, survey=survey, form=form, lang=lang
        )
        key["value"] = question.key

    response = await _change(request, "add", act, "added", "questions")
    if isinstance(response, RedirectResponse) and key["value"]:
        response.headers["location"] = response.headers["location"].replace(
            "#questions", f"#question-{key['value']}"
        )
    return response


async def save_question(request: Request) -> Response:
    """POST /admin/surveys/{survey}/questions/{key}: save one question's form."""
    key = request.path_params["key"]

    def act(session: Session, survey: Survey, form: Form, lang: str) -> None:
        question = _question(session, survey, key)
        bq.update_question(
            session, user=request.state.user, survey=survey, question=question, form=form, lang=lang
        )

    return await _change(request, key, act, "saved", f"question-{key}")


async def move_question(request: Request) -> Response:
    """POST /admin/surveys/{survey}/questions/{key}/move: one place up or down."""
    key = request.path_params["key"]

    def act(session: Session, survey: Survey, form: Form, lang: str) -> None:
        step = -1 if builder.first(form, "step") == "up" else 1
        question = _question(session, survey, key)
        bq.move_question(
            session, user=request.state.user, survey=survey, question=question, step=step
        )

    return await _change(request, key, act, "moved", f"question-{key}")


async def remove_question(request: Request) -> Response:
    """POST /admin/surveys/{survey}/questions/{key}/remove: delete, or retire if answered."""
    key = request.path_params["key"]

    def act(session: Session, survey: Survey, form: Form, lang: str) -> str:
        question = _question(session, survey, key)
        return bq.remove_question(
            session, user=request.state.user, survey=survey, question=question
        )

    return await _change(request, "remove", act, "deleted", "questions")


async def preview(request: Request) -> Response:
    """GET /admin/surveys/{survey}/preview?lang=: the survey as people see it, nothing sent."""
    lang = language(request)
    with db(request) as session:
        survey = survey_to_edit(request, session)
        questions = surveys.questions_of(session, survey.id)
    context = {
        "survey": survey,
        "fields": forms.fields(questions, lang),
        "values": {},
        "errors": {},
    }
    return render(request, "admin/preview.html", context, lang=lang)


_EDIT = ("admin", "manager")
routes = [
    Route("/admin/surveys", requires(*_EDIT)(survey_list), methods=["GET"]),
    Route("/admin/surveys/new", requires(*_EDIT)(survey_new), methods=["GET", "POST"]),
    Route("/admin/surveys/{survey}", requires(*_EDIT)(survey_edit), methods=["GET"]),
    Route("/admin/surveys/{survey}/settings", requires(*_EDIT)(save_settings), methods=["POST"]),
    Route("/admin/surveys/{survey}/status", requires(*_EDIT)(change_status), methods=["POST"]),
    Route("/admin/surveys/{survey}/questions", requires(*_EDIT)(add_question), methods=["POST"]),
    Route(
        "/admin/surveys/{survey}/questions/{key}",
        requires(*_EDIT)(save_question),
        methods=["POST"],
    ),
    Route(
        "/admin/surveys/{survey}/questions/{key}/move",
        requires(*_EDIT)(move_question),
        methods=["POST"],
    ),
    Route(
        "/admin/surveys/{survey}/questions/{key}/remove",
        requires(*_EDIT)(remove_question),
        methods=["POST"],
    ),
    Route("/admin/surveys/{survey}/preview", requires(*_EDIT)(preview), methods=["GET"]),
]
