"""Kiosk mode: the survey on a tablet at a service counter, ready again for each person.

The page is the hosted form with large targets; static/kiosk.js keeps answers made while
the network is down in localStorage and sends them, each once, when it is back.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.answers import intake, kiosks, protect
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Question
from feedback.routes import reach_api
from feedback.routes.base import db, open_survey, public, render
from feedback.routes.public import not_offered_page, offered_channel, survey_post
from feedback.routes.services_admin import who_asks
from feedback.surveys import definitions as surveys
from feedback.surveys import forms, snippets

# Never kept by the browser, so the back button cannot show the previous person's answers.
NO_STORE = {"Cache-Control": "no-store"}


def _missing(questions: list[Question], lang: str) -> dict[str, str]:
    """The error each required question shows when left empty, worded as the server words it."""
    _ = gettext_for(lang).gettext
    out = {}
    for q in questions:
        text = pick(q.text, lang)
        if q.required and q.kind == "text":
            out[q.key] = _("Enter your answer: %(question)s") % {"question": text}
        elif q.required:
            out[q.key] = _("Choose an answer: %(question)s") % {"question": text}
    return out


@public("kiosk tablets at a counter show a survey to citizens")
async def kiosk_page(request: Request) -> Response:
    """GET /k/{survey}: the kiosk page; `touchpoint` names the counter, `home` its language."""
    with db(request) as session:
        survey, lang, closed = open_survey(request, session)
        if closed:
            context = {"status": closed.status, "message": closed.message}
            return render(
                request,
                "errors.html",
                context,
                lang=lang,
                status_code=closed.status,
                headers=NO_STORE,
            )
        assert survey is not None
        if offered_channel(survey, "kiosk") is None:
            # Never another channel instead: a kiosk's answers are kiosk answers or none.
            return not_offered_page(request, lang, NO_STORE)
        if kiosks.recognise(session, request.cookies.get(kiosks.COOKIE)) is None:
            # No form on a device that is not an enrolled tablet: nothing sent, then refused.
            context = {
                "survey": survey,
                "hosted_url": snippets.hosted_url("", survey.id, lang=lang),
            }
            page = "kiosk/not_enrolled.html"
            return render(request, page, context, lang=lang, status_code=403, headers=NO_STORE)
        questions = surveys.questions_of(session, survey.id)
    home = request.query_params.get("home")
    home = home if home in survey.languages else lang
    touchpoint = (request.query_params.get("touchpoint") or "").strip()[: intake.TOUCHPOINT_MAX]
    context = {
        "survey": survey,
        "service": who_asks(request, survey, lang),
        "fields": forms.fields(questions, lang),
        "missing": _missing(questions, lang),
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
    Route("/k/{survey}/seen", kiosk_seen, methods=["POST"]),
]
