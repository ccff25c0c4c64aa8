"""The share page (/admin/surveys/{survey}/share): snippets, iframe code, links, QR codes."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.answers import intake
from feedback.core.catalog import CHANNELS, LANGUAGES
from feedback.core.models import Survey
from feedback.routes.base import db, language, render, requires
from feedback.surveys import builder, snippets
from feedback.surveys import definitions as surveys

# Answers sent from the live preview are real answers; this touchpoint lets people filter them.
PREVIEW_TOUCHPOINT = "share-preview"
SNIPPET_MODES = ("inline", "button", "trigger", "iframe")


def _channel(survey: Survey, requested: str) -> str:
    if requested in survey.channels and requested in CHANNELS:
        return requested
    return "web" if "web" in survey.channels else (survey.channels or ["web"])[0]


@requires("admin", "manager")
async def share_page(request: Request) -> Response:
    """GET /admin/surveys/{survey}/share?channel=&touchpoint=&page_lang=: what to copy."""
    lang = language(request)
    params = request.query_params
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        if survey is None:
            raise HTTPException(404)
        if not builder.may_edit(request.state.user, survey):
            raise HTTPException(403)
    base = request.app.state.settings.base_url
    channel = _channel(survey, params.get("channel", ""))
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
    preview_url = snippets.hosted_url(
        "", survey.id, lang=lang, channel=channel, touchpoint=PREVIEW_TOUCHPOINT, embed=True
    )
    context = {
        "survey": survey,
        "channel": channel,
        "touchpoint": touchpoint,
        "page_lang": page_lang,
        "links": links,
        "qr_query": qr_query,
        "codes": codes,
        "kiosk": snippets.hosted_url(base, survey.id, channel="kiosk", touchpoint=tp, kiosk=True),
        "preview_url": preview_url,
        "preview_touchpoint": PREVIEW_TOUCHPOINT,
        "languages": LANGUAGES,
    }
    return render(request, "admin/share.html", context, lang=lang)


routes = [Route("/admin/surveys/{survey}/share", share_page, methods=["GET"])]
