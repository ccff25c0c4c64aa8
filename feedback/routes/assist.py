"""Assisted entry: agents type in a caller's or visitor's answers, one person after another.

The agent's pages stay in the agent's language (`lang`); the question texts are shown in the
language the person answers in (`caller`), so the agent reads the official wording aloud.
Channel, caller language and touchpoint are carried in the query, so they stay for the next
person. Works fully without JavaScript; static/assist.js only adds shortcuts.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.answers import assisted, intake
from feedback.core.i18n import gettext_for
from feedback.core.models import Question, Service, StaffUser, Survey
from feedback.reach import opportunities
from feedback.routes.base import db, language, render, requires
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys import forms

# The previous person's answers must not come back from the cache with the back button.
NO_STORE = {"Cache-Control": "no-store"}
ROLES = ("agent", "manager", "admin")
SAVED = "assist_saved"  # session key of the one-time "Saved" message after a redirect
DECLINED = "assist_declined"  # ... and of "Recorded as declined"


def _zone(session: Session, survey: Survey) -> str | None:
    """The survey's service's time zone: the agent's "today" is that office's day."""
    service = session.get(Service, survey.service_id)
    return service.time_zone if service else None


def _notes(questions: list[Question], lang: str) -> dict[str, str]:
    """'Ask only if ...' for each question shown after a given answer, in the agent's words."""
    _ = gettext_for(lang).gettext
    by_key = {f.key: f for f in forms.fields(questions, lang)}
    notes = {}
    for f in by_key.values():
        if not f.reveal_on or f.reveal_on[0] not in by_key:
            continue
        source = by_key[f.reveal_on[0]]
        wanted = f.reveal_on[1].split()
        answers = " / ".join(c.label for c in source.choices if c.value in wanted)
        notes[f.key] = _("Ask only if the answer to “%(question)s” was “%(answer)s”.") % {
            "question": source.text,
            "answer": answers,
        }
    return notes


def _texts(questions: list[Question], languages: list[str]) -> dict[str, Any]:
    """Question wording in every survey language, for assist.js to switch without a reload."""
    out: dict[str, Any] = {}
    for code in languages:
        out[code] = {
            f.key: {
                "text": f.text,
                "hint": f.hint,
                "labels": [c.label for c in f.choices],
                "ends": list(f.ends) if f.ends else None,
            }
            for f in forms.fields(questions, code)
        }
    return out


def _survey_for(session: Session, request: Request, user: StaffUser, lang: str) -> Survey:
    """The survey in the path if this user may enter answers for it now; else 403/404/410."""
    survey = surveys.get_survey(session, request.path_params["survey"])
    if survey is None:
        raise HTTPException(404)
    if not auth.can_see_service(user, survey.service_id):
        raise HTTPException(403)
    if not assisted.channels_of(survey):
        raise HTTPException(404)
    try:
        return intake.check_open(survey, lang)
    except intake.Rejected as error:
        raise HTTPException(error.status) from None


def _setup(survey: Survey, params: Any, lang: str) -> tuple[str, str, str]:
    """Channel, caller language and touchpoint from the query or form, with sane defaults."""
    offered = assisted.channels_of(survey)
    channel = str(params.get("channel") or "")
    channel = channel if channel in offered else offered[0]
    caller = str(params.get("caller") or "")
    caller = caller if caller in survey.languages else (lang if lang in survey.languages else "en")
    touchpoint = str(params.get("touchpoint") or "").strip()[: intake.TOUCHPOINT_MAX]
    return channel, caller, touchpoint


def _page(
    request: Request,
    session: Session,
    survey: Survey,
    questions: list[Question],
    *,
    lang: str,
    setup: tuple[str, str, str],
    values: dict[str, list[str]],
    errors: dict[str, str],
    submission_id: str,
    saved: int | None = None,
    focus: str | None = None,
    status_code: int = 200,
    declined: bool = False,
) -> Response:
    user: StaffUser = request.state.user
    channel, caller, touchpoint = setup
    service = session.get(Service, survey.service_id)
    context = {
        "survey": survey,
        "service": service,
        "fields": forms.fields(questions, caller),
        "notes": _notes(questions, lang),
        "texts": _texts(questions, survey.languages),
        "channels": assisted.channels_of(survey),
        "channel": channel,
        "person_lang": caller,
        "touchpoint": touchpoint,
        "values": values,
        "errors": errors,
        "submission_id": submission_id,
        "saved": saved,
        "declined": declined,
        # Where the page puts the cursor: the first question for the next person, the
        # language just switched, or (in the template) the error summary.
        "focus": focus,
        "today": assisted.entered_today(session, user=user, zone_name=_zone(session, survey)),
    }
    return render(
        request, "assist/form.html", context, lang=lang, status_code=status_code, headers=NO_STORE
    )


@requires(*ROLES)
async def assist_index(request: Request) -> Response:
    """GET /assist: the live surveys this user can enter answers for."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        shown = assisted.surveys_for(session, user)
        services = {s.service_id: session.get(Service, s.service_id) for s in shown}
        context = {"surveys": shown, "services": services, "channels_of": assisted.channels_of}
        return render(request, "assist/index.html", context, lang=lang, headers=NO_STORE)


@requires(*ROLES)
async def assist_form(request: Request) -> Response:
    """GET /assist/{survey}: an empty form for the next person."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        survey = _survey_for(session, request, user, lang)
        questions = surveys.questions_of(session, survey.id)
        saved = request.session.pop(SAVED, None)
        declined = bool(request.session.pop(DECLINED, None))
        return _page(
            request,
            session,
            survey,
            questions,
            lang=lang,
            setup=_setup(survey, request.query_params, lang),
            values={},
            errors={},
            submission_id=secrets.token_urlsafe(16),
            saved=saved if isinstance(saved, int) else None,
            focus="first" if saved or declined else None,
            declined=declined,
        )


@requires(*ROLES)
async def assist_post(request: Request) -> Response:
    """POST /assist/{survey}: store once and start the next person, or show what to fix."""
    lang = language(request)
    user: StaffUser = request.state.user
    form = await request.form()
    values = {key: [str(v) for v in form.getlist(key)] for key in form}
    with db(request) as session:
        survey = _survey_for(session, request, user, lang)
        questions = surveys.questions_of(session, survey.id)
        setup = _setup(survey, form, lang)
        channel, caller, touchpoint = setup
        submission_id = str(form.get("submission_id") or "")[:64] or secrets.token_urlsafe(16)
        page = partial(
            _page,
            request,
            session,
            survey,
            questions,
            lang=lang,
            setup=setup,
            values=values,
            submission_id=submission_id,
        )
        if form.get("action") == "language":
            # Without JavaScript, showing the questions in the other language is a round trip.
            return page(errors={}, focus="caller")
        if form.get("action") == "declined":
            # Offered but declined: counted as offered (once per form), so the rate is right.
            opportunities.add_assisted(
                session, survey=survey, channel=channel, touchpoint=touchpoint,
                submission_id=submission_id,
            )  # fmt: skip
            request.session[DECLINED] = 1
            return RedirectResponse(_next_person(request, lang, setup), status_code=303)
        posted_channel = str(form.get("channel") or "")
        submission = intake.Submission(
            # Only the assisted channels offered here; anything else is refused by intake.
            channel=posted_channel if posted_channel in assisted.channels_of(survey) else "",
            language=str(form.get("caller") or ""),
            touchpoint=touchpoint or None,
            answers=forms.answers_from_form(questions, values),
            assisted=True,
        )
        try:
            stored = assisted.store(
                session,
                user=user,
                survey=survey,
                questions=questions,
                submission=submission,
                lang=lang,
                submission_id=submission_id,
            )
        except intake.Rejected as error:
            if error.status != 422:
                raise HTTPException(error.status) from None
            return page(errors=error.fields, status_code=422)
        if stored.created:
            opportunities.add_assisted(
                session, survey=survey, channel=submission.channel, touchpoint=touchpoint,
                submission_id=submission_id,
            )  # fmt: skip
    request.session[SAVED] = stored.id
    return RedirectResponse(_next_person(request, lang, setup), status_code=303)


def _next_person(request: Request, lang: str, setup: tuple[str, str, str]) -> str:
    """The form again for the next person, keeping channel, caller language and touchpoint."""
    channel, caller, touchpoint = setup
    query = {"lang": lang, "channel": channel, "caller": caller}
    if touchpoint:
        query["touchpoint"] = touchpoint
    return f"{request.url.path}?{urlencode(query)}"


routes = [
    Route("/assist", assist_index, methods=["GET"]),
    Route("/assist/{survey}", assist_form, methods=["GET"]),
    Route("/assist/{survey}", assist_post, methods=["POST"]),
]
