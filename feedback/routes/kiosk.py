"""Kiosk mode: the survey on a tablet at a service counter, ready again for each person.

The page is the hosted form with large targets; static/kiosk.js keeps answers made while
the network is down in localStorage and sends them, each once, when it is back.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.answers import intake, protect
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Question
from feedback.routes.base import db, open_survey, public, render
from feedback.routes.public import not_offered_page, offered_channel
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
        questions = surveys.questions_of(session, survey.id)
        # Lets the posts of this page (and its offline queue) use the kiosk rate limit.
        kiosk_proof = protect.kiosk_proof(session, survey_id=survey.id)
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
        "kiosk_proof": kiosk_proof,
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


routes = [Route("/k/{survey}", kiosk_page, methods=["GET"])]
