"""The share page (/admin/surveys/{survey}/share): snippets, iframe code, links, QR codes.

It offers only the channels the survey has: a channel it lacks is named, with one button that
offers the survey on it. Its live preview sends test answers (a signed preview token), which
one button deletes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.answers import intake, test_answers
from feedback.core.catalog import CHANNELS, LANGUAGES
from feedback.core.models import Survey
from feedback.routes.base import db, language, render, requires
from feedback.staff import audit
from feedback.surveys import builder, snippets
from feedback.surveys import definitions as surveys

SNIPPET_MODES = ("inline", "button", "trigger", "iframe")


def _editable(request: Request, session: Session) -> Survey:
    """The survey in the path, if this user may change it; else 404 or 403."""
    survey = surveys.get_survey(session, request.path_params["survey"])
    if survey is None:
        raise HTTPException(404)
    if not builder.may_edit(request.state.user, survey):
        raise HTTPException(403)
    return survey


def _back(survey: Survey, lang: str, done: str, channel: str = "") -> RedirectResponse:
    query = {"lang": lang, "done": done} | ({"channel": channel} if channel else {})
    return RedirectResponse(f"/admin/surveys/{survey.id}/share?{urlencode(query)}", 303)


@requires("admin", "manager")
async def share_page(request: Request) -> Response:
    """GET /admin/surveys/{survey}/share?channel=&touchpoint=&page_lang=: what to copy."""
    lang = language(request)
    params = request.query_params
    with db(request) as session:
        survey = _editable(request, session)
        tests = test_answers.count(session, survey_id=survey.id)
    base = request.app.state.settings.base_url
    asked = params.get("channel", "")
    # A channel the survey lacks is never shown as if it worked: it is named, with a button.
    missing = asked if asked in CHANNELS and asked not in survey.channels else ""
    channel = asked if asked in survey.channels else ""
    if not channel and survey.channels:
        channel = "web" if "web" in survey.channels else survey.channels[0]
    touchpoint = (params.get("touchpoint") or "").strip()[: intake.TOUCHPOINT_MAX]
    page_lang = params.get("page_lang", lang)
    page_lang = page_lang if page_lang in LANGUAGES else lang
    tp = touchpoint or None
    links = {
        code: snippets.hosted_url(base, survey.id, lang=code, channel=channel, touchpoint=tp)
        for code in survey.languages
    }
    qr_query = {
        code: urlencode(
            {
                k: v
                for k, v in (("channel", channel), ("touchpoint", touchpoint), ("lang", code))
                if v
            }
        )
        for code in survey.languages
    }
    codes = {
        mode: snippets.snippet(
            base, survey.id, mode=mode, lang=page_lang, channel=channel, touchpoint=tp
        )
        for mode in SNIPPET_MODES
    }
    # Only for this signed-in page: what its frame sends is stored as test answers.
    token = test_answers.make_token(request.app.state.secret, survey.id)
    preview_url = snippets.hosted_url("", survey.id, lang=lang, channel=channel, embed=True)
    preview_url += "&" + urlencode({test_answers.PARAM: token})
    kiosk = "kiosk" in survey.channels
    context = {
        "survey": survey,
        "channel": channel,
        "missing": missing,
        "touchpoint": touchpoint,
        "page_lang": page_lang,
        "links": links,
        "qr_query": qr_query,
        "codes": codes,
        "kiosk": snippets.hosted_url(base, survey.id, channel="kiosk", touchpoint=tp, kiosk=True)
        if kiosk
        else "",
        "other_channels": [c for c in CHANNELS if c not in survey.channels],
        "preview_url": preview_url,
        "tests": tests,
        "done": params.get("done", ""),
        "languages": LANGUAGES,
    }
    return render(request, "admin/share.html", context, lang=lang)


@requires("admin", "manager")
async def enable_channel(request: Request) -> Response:
    """POST /admin/surveys/{survey}/channels: offer the survey on one more channel (audited)."""
    lang = language(request)
    form = await request.form()
    channel = str(form.get("channel") or "")
    with db(request) as session:
        survey = _editable(request, session)  # who may, before what was asked (no 400 leak)
        if channel not in CHANNELS:
            raise HTTPException(400)
        if channel not in survey.channels:
            before = list(survey.channels)
            survey.channels = [c for c in CHANNELS if c in {*before, channel}]
            session.add(survey)
            audit.record(
                session,
                request.state.user,
                "survey.channel_enable",
                f"survey:{survey.id}",
                channel=channel,
                before=before,
            )
            session.commit()
    return _back(survey, lang, "channel", channel)


@requires("admin", "manager")
async def delete_tests(request: Request) -> Response:
    """POST /admin/surveys/{survey}/tests/delete: delete every test answer (audited)."""
    lang = language(request)
    with db(request) as session:
        survey = _editable(request, session)
        test_answers.delete_all(session, user=request.state.user, survey=survey)
        session.commit()
    return _back(survey, lang, "tests")


routes = [
    Route("/admin/surveys/{survey}/share", share_page, methods=["GET"]),
    Route("/admin/surveys/{survey}/channels", enable_channel, methods=["POST"]),
    Route("/admin/surveys/{survey}/tests/delete", delete_tests, methods=["POST"]),
]
