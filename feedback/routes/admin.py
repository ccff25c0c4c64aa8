"""Staff pages for survey administration. For now: QR codes of a survey's hosted link."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.answers import intake
from feedback.core.catalog import CHANNELS
from feedback.routes.base import db, requires
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys import qr, snippets


@requires("admin", "manager")
async def survey_qr(request: Request) -> Response:
    """GET /admin/surveys/{survey}/qr.svg|png?channel=&touchpoint=&lang=: a printable QR code."""
    fmt = request.path_params["fmt"]
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
    if survey is None or fmt not in qr.FORMATS:
        raise HTTPException(404)
    if not auth.can_see_service(request.state.user, survey.service_id):
        raise HTTPException(403)
    params = request.query_params
    channel = params.get("channel") or None
    lang = params.get("lang") or None
    touchpoint = (params.get("touchpoint") or "").strip() or None
    if (
        # No channel is a web link: refused, as the page would be, where web is not offered.
        (channel or "web") not in CHANNELS
        or (channel or "web") not in survey.channels
        or (lang is not None and lang not in survey.languages)
        or (touchpoint is not None and len(touchpoint) > intake.TOUCHPOINT_MAX)
    ):
        raise HTTPException(400)
    base = request.app.state.settings.base_url
    url = snippets.hosted_url(base, survey.id, lang=lang, channel=channel, touchpoint=touchpoint)
    name = "-".join(x for x in ("survey", survey.id, channel, lang) if x)
    headers = {
        "Content-Disposition": f'inline; filename="{name}.{fmt}"',
        "Cache-Control": "private, max-age=300",
    }
    return Response(qr.render(url, fmt, title=url), media_type=qr.MEDIA_TYPES[fmt], headers=headers)


routes = [Route("/admin/surveys/{survey}/qr.{fmt}", survey_qr, methods=["GET"])]
