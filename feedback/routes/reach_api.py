"""Reach over HTTP: the public count of people offered a survey (widget seen, kiosk session
started), and the integrators' counts of people offered and interactions served."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feedback.answers import intake
from feedback.core import client_keys
from feedback.core.i18n import gettext_for
from feedback.core.models import ApiToken, Survey
from feedback.reach import counting_api, opportunities
from feedback.routes.api import _json_body
from feedback.routes.base import api_error, db, language, public, requires_token
from feedback.routes.embed import _origin_allowed
from feedback.surveys import definitions as surveys


def count_shown(
    request: Request,
    session: Session,
    survey: Survey,
    channel: str,
    touchpoint: str,
    *,
    kiosk: bool = False,
) -> bool:
    """Count one person offered the survey by this page view (bounded per client)."""
    return opportunities.add_public(
        session,
        survey=survey,
        channel=channel,
        touchpoint=touchpoint,
        ip=client_keys.client_address(request, request.app.state.settings),
        settings=request.app.state.settings,
        kiosk=kiosk,
    )


log = logging.getLogger("feedback.reach")


def count_shown_apart(
    request: Request, survey: Survey, channel: str, touchpoint: str, *, kiosk: bool = False
) -> bool:
    """count_shown in a transaction of its own: a database that refuses writes (read-only,
    full disk) must not stop the page from being shown to the person."""
    try:
        with db(request) as session:
            return count_shown(request, session, survey, channel, touchpoint, kiosk=kiosk)
    except OperationalError as error:
        log.warning("a person offered the survey was not counted: %s", type(error.orig).__name__)
        return False


@public("the widget and kiosk count a person offered the survey; no identifier, bounded")
async def seen(request: Request) -> Response:
    """POST /api/v1/surveys/{survey}/seen (form: channel, touchpoint): 204.

    Kiosk sessions are counted at /k/{survey}/seen, from enrolled tablets only."""
    try:
        form = await request.form()
        params = {k: str(form.get(k) or "") for k in ("channel", "touchpoint")}
    except Exception:  # not a form (or a broken one): counted as nothing
        params = {}
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        lang = language(request, survey.languages if survey else ("en", "fr"))
        _ = gettext_for(lang).gettext
        if survey is None or survey.status != "live":
            return api_error(404, "not_found", _("This survey does not exist."))
        if not _origin_allowed(request, survey):
            message = _("This site may not show this survey.")
            return api_error(403, "origin_not_allowed", message, headers={"Vary": "Origin"})
        channel = params.get("channel") or ("web" if "web" in survey.channels else "")
        touchpoint = params.get("touchpoint") or ""
        if channel != "kiosk":  # only an enrolled tablet counts kiosk sessions (kiosk.py)
            count_shown(request, session, survey, channel, touchpoint)
    # Counted or not (over the bound, or a channel the survey does not offer), the answer is
    # the same: a script learns nothing from it.
    return Response(status_code=204, headers={"Vary": "Origin"})


def _summary(results: list[counting_api.ItemResult]) -> dict[str, Any]:
    return {
        "results": [r.as_json() for r in results],
        "created": sum(r.status == 201 for r in results),
        "replayed": sum(r.status == 200 for r in results),
        "failed": sum(r.status >= 400 for r in results),
    }


@requires_token("ingest")
async def post_opportunities(request: Request) -> Response:
    """POST /api/v1/opportunities: people offered a survey (IVR, call centre), once per key."""
    lang = language(request)
    token: ApiToken = request.state.token
    assert token.id is not None
    try:
        body = await _json_body(request, lang)
        with db(request) as session:
            results = counting_api.add_opportunities(
                session, body=body, lang=lang, token_id=token.id, service_ids=token.service_ids
            )
    except intake.Rejected as error:
        return api_error(error.status, error.code, error.message, error.fields)
    return JSONResponse(_summary(results))


@requires_token("ingest")
async def post_interactions(request: Request) -> Response:
    """POST /api/v1/interactions: people served per service, channel and period."""
    lang = language(request)
    token: ApiToken = request.state.token
    try:
        body = await _json_body(request, lang)
        with db(request) as session:
            results = counting_api.add_interactions(
                session, body=body, lang=lang, service_ids=token.service_ids
            )
    except intake.Rejected as error:
        return api_error(error.status, error.code, error.message, error.fields)
    return JSONResponse(_summary(results))


routes = [
    Route("/api/v1/surveys/{survey}/seen", seen, methods=["POST"]),
    Route("/api/v1/opportunities", post_opportunities, methods=["POST"]),
    Route("/api/v1/interactions", post_interactions, methods=["POST"]),
]
# Bulk paths (up to 1,000 items) take the bulk body limit, as /api/v1/responses does.
BULK_PATHS = (
    "/api/v1/opportunities",
    "/api/v1/interactions",
    "/api/v1/invitations",
    "/admin/invitations/upload",
    "/admin/interactions/upload",
)
