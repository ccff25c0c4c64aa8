"""Kiosk mode: the survey on a tablet at a service counter, ready again for each person.

One question per screen, with large targets. Without JavaScript each Next or Back is a post
to /k/{survey}/step that draws the next screen with the earlier answers kept in the form
(nothing is stored, nothing kept on the server); the last screen posts every answer to
/k/{survey}, the hosted form's intake, which checks them all again. static/kiosk.js does the
same steps in the page and keeps answers made while the network is down in localStorage,
sending them, each once, when it is back.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.answers import intake, kiosks, protect
from feedback.answers.answer_checks import missing_message
from feedback.core.i18n import gettext_for
from feedback.core.models import Question, Survey
from feedback.routes import reach_api
from feedback.routes.base import db, open_survey, public, render
from feedback.routes.public import not_offered_page, offered_channel, survey_post
from feedback.routes.services_admin import who_asks
from feedback.surveys import definitions as surveys
from feedback.surveys import forms, snippets

# Never kept by the browser, so the back button cannot show the previous person's answers.
NO_STORE = {"Cache-Control": "no-store"}


def _missing(questions: list[Question], lang: str) -> dict[str, str]:
    """The error each required question shows when left empty: the hosted form's own words
    (answer_checks.missing_message), so a kiosk, the hosted page and the widget say the same."""
    _ = gettext_for(lang).gettext
    return {q.key: missing_message(q, lang, _) for q in questions if q.required}


def applies(question: Question, values: Mapping[str, list[str]]) -> bool:
    """True when the question is asked given the answers so far (a show_if follow-up only
    after its answer), as survey.js decides in the page."""
    rule = question.show_if
    if not rule:
        return True
    wanted = {str(v).lower() for v in rule.get("values", [])}
    return bool(wanted & set(values.get(f"q_{rule.get('question')}", [])))


def _answered(question: Question, values: Mapping[str, list[str]]) -> bool:
    return any(v.strip() for v in values.get(f"q_{question.key}", []))


def next_step(
    questions: list[Question], values: Mapping[str, list[str]], step: int, go: str
) -> int:
    """The screen after `step` (or before it, `go` == "back"), skipping questions that do
    not apply; `step` itself when there is none that way."""
    move = -1 if go == "back" else 1
    at = step + move
    while 0 <= at < len(questions):
        if applies(questions[at], values):
            return at
        at += move
    return step


def _page(
    request: Request,
    survey: Survey,
    questions: list[Question],
    lang: str,
    *,
    home: str,
    touchpoint: str,
    values: Mapping[str, list[str]],
    step: int,
    errors: Mapping[str, str],
    stepped: bool,
) -> Response:
    """The kiosk form on screen `step`: every question is in the form (the others hidden, so
    their answers go along), and only the applicable ones are counted in the progress."""
    shown = [i for i, q in enumerate(questions) if applies(q, values)]
    step = step if step in shown else (shown[0] if shown else 0)
    last = next_step(questions, values, step, "next") == step
    query = f"?lang={lang}"
    context = {
        "survey": survey,
        "service": who_asks(request, survey, lang),
        "fields": forms.fields(questions, lang),
        "values": values,
        "errors": errors,
        "missing": _missing(questions, lang),
        "step": step,
        "number": shown.index(step) + 1 if step in shown else 1,
        "total": len(shown),
        "last": last,
        "stepped": stepped,
        "step_url": f"/k/{survey.id}/step{query}",
        "channel": "kiosk",
        "honeypot": protect.HONEYPOT,
        "touchpoint": touchpoint,
        "home": home,
        "home_url": snippets.hosted_url(
            "", survey.id, lang=home, touchpoint=touchpoint or None, kiosk=True
        ),
        "other_url": snippets.hosted_url(
            "",
            survey.id,
            lang=next((x for x in survey.languages if x != lang), lang),
            touchpoint=touchpoint or None,
            kiosk=True,
        )
        + f"&home={home}",
    }
    return render(request, "kiosk/form.html", context, lang=lang, headers=NO_STORE)


def _refused(
    request: Request, session: Session, survey: Survey | None, lang: str, closed: object
) -> Response | None:
    """The page a kiosk request gets instead of the form, if any: closed survey, kiosk
    channel not offered, or a device that is not an enrolled tablet."""
    if isinstance(closed, intake.Rejected):
        context = {"status": closed.status, "message": closed.message}
        return render(
            request, "errors.html", context, lang=lang, status_code=closed.status, headers=NO_STORE
        )
    assert survey is not None
    if offered_channel(survey, "kiosk") is None:
        # Never another channel instead: a kiosk's answers are kiosk answers or none.
        return not_offered_page(request, lang, NO_STORE)
    if kiosks.recognise(session, request.cookies.get(kiosks.COOKIE)) is None:
        # No form on a device that is not an enrolled tablet: nothing sent, then refused.
        context = {"survey": survey, "hosted_url": snippets.hosted_url("", survey.id, lang=lang)}
        page = "kiosk/not_enrolled.html"
        return render(request, page, context, lang=lang, status_code=403, headers=NO_STORE)
    return None


@public("kiosk tablets at a counter show a survey to citizens")
async def kiosk_page(request: Request) -> Response:
    """GET /k/{survey}: the kiosk's first screen; `touchpoint` names the counter, `home` its
    language."""
    with db(request) as session:
        survey, lang, closed = open_survey(request, session)
        refused = _refused(request, session, survey, lang, closed)
        if refused is not None:
            return refused
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)
    home = request.query_params.get("home")
    home = home if home in survey.languages else lang
    touchpoint = (request.query_params.get("touchpoint") or "").strip()[: intake.TOUCHPOINT_MAX]
    return _page(
        request,
        survey,
        questions,
        lang,
        home=home,
        touchpoint=touchpoint,
        values={},
        step=0,
        errors={},
        stepped=False,
    )


@public("kiosk tablets without JavaScript move one question on or back; nothing stored")
async def kiosk_step(request: Request) -> Response:
    """POST /k/{survey}/step: the next screen (`go=next`, once a required answer is given) or
    the previous one (`go=back`), the answers so far kept in the form; nothing is stored."""
    form = await request.form()
    values = {key: [str(v) for v in form.getlist(key)] for key in form if key.startswith("q_")}
    with db(request) as session:
        survey, lang, closed = open_survey(request, session)
        refused = _refused(request, session, survey, lang, closed)
        if refused is not None:
            return refused
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)
    home = str(form.get("home") or "")
    home = home if home in survey.languages else lang
    touchpoint = str(form.get("touchpoint") or "").strip()[: intake.TOUCHPOINT_MAX]
    try:
        step = min(max(int(str(form.get("step") or "0")[:6]), 0), max(len(questions) - 1, 0))
    except ValueError:
        step = 0
    go = "back" if form.get("go") == "back" else "next"
    errors: dict[str, str] = {}
    here = questions[step] if questions else None
    if here is not None and go == "next" and here.required and not _answered(here, values):
        errors = {here.key: _missing(questions, lang)[here.key]}
    moved = step if errors or not questions else next_step(questions, values, step, go)
    return _page(
        request,
        survey,
        questions,
        lang,
        home=home,
        touchpoint=touchpoint,
        values=values,
        step=moved,
        errors=errors,
        stepped=True,
    )


@public("an enrolled kiosk tablet counts a person offered the survey; no identifier, bounded")
async def kiosk_seen(request: Request) -> Response:
    """POST /k/{survey}/seen: a kiosk session started (204, counted only from an enrolled
    tablet, with the kiosk bound)."""
    form = await request.form()
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        device = kiosks.recognise(session, request.cookies.get(kiosks.COOKIE))
        if survey is not None and survey.status == "live" and device is not None:
            touchpoint = str(form.get("touchpoint") or "")
            reach_api.count_shown(request, session, survey, "kiosk", touchpoint, kiosk=True)
    return Response(status_code=204)


routes = [
    Route("/k/{survey}", kiosk_page, methods=["GET"]),
    # The kiosk form posts to its own path, so that the tablet's cookie (path /k/) goes with it.
    Route("/k/{survey}", survey_post, methods=["POST"]),
    Route("/k/{survey}/step", kiosk_step, methods=["POST"]),
    Route("/k/{survey}/seen", kiosk_seen, methods=["POST"]),
]
