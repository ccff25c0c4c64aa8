"""The widget and its public JSON API, with CORS from each survey's allowed origins."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from feedback import intake, surveys
from feedback.i18n import gettext_for
from feedback.models import Survey
from feedback.routes.base import api_error, db, language, open_survey

EMBED_JS = Path(__file__).parent.parent / "static" / "embed.js"


def _origin_allowed(request: Request, survey: Survey | None) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == request.app.state.settings.origin:
        return True
    return survey is not None and origin in survey.allowed_origins


def _cors(request: Request, survey: Survey | None) -> dict[str, str]:
    """CORS headers echoing the Origin when the survey allows it; never a wildcard."""
    origin = request.headers.get("origin")
    headers = {"Vary": "Origin"}
    if origin and survey is not None and _origin_allowed(request, survey):
        headers["Access-Control-Allow-Origin"] = origin
    return headers


def _error(request: Request, survey: Survey | None, error: intake.Rejected) -> Response:
    return api_error(error.status, error.code, error.message, error.fields, _cors(request, survey))


async def embed_js(request: Request) -> Response:
    """GET /embed.js: the widget, cacheable for a few minutes so fixes reach hosts soon."""
    return FileResponse(
        EMBED_JS,
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


async def preflight(request: Request) -> Response:
    """OPTIONS: the browser asks whether the host page's origin may call us."""
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
    if not _origin_allowed(request, survey) or survey is None:
        lang = language(request)
        message = gettext_for(lang).gettext("This site may not show this survey.")
        return api_error(403, "origin_not_allowed", message, headers={"Vary": "Origin"})
    headers = {
        **_cors(request, survey),
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
        "Access-Control-Max-Age": "600",
    }
    return Response(status_code=204, headers=headers)


async def survey_definition(request: Request) -> Response:
    """GET /api/v1/surveys/{survey}: what the widget draws."""
    with db(request) as session:
        survey, lang, closed = open_survey(request, session)
        if closed:
            return _error(request, survey, closed)
        assert survey is not None
        if not _origin_allowed(request, survey):
            message = gettext_for(lang).gettext("This site may not show this survey.")
            return api_error(403, "origin_not_allowed", message, headers={"Vary": "Origin"})
        body = surveys.definition(survey, surveys.questions_of(session, survey.id))
    headers = {**_cors(request, survey), "Cache-Control": "no-cache"}
    return JSONResponse(body, headers=headers)


async def post_response(request: Request) -> Response:
    """POST .../responses: store the answers; the same Idempotency-Key again replays."""
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        lang = language(request, survey.languages if survey else ("en", "fr"))
        _ = gettext_for(lang).gettext
        if not _origin_allowed(request, survey):
            message = _("This site may not show this survey.")
            return api_error(403, "origin_not_allowed", message, headers={"Vary": "Origin"})
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return api_error(
                415,
                "unsupported_media_type",
                _("Send the answers as JSON."),
                headers=_cors(request, survey),
            )
        raw = await request.body()
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return api_error(
                400,
                "bad_json",
                _("The request body is not valid JSON."),
                headers=_cors(request, survey),
            )
        if isinstance(body, dict) and body.get("language") in ("en", "fr"):
            lang = str(body["language"])
        try:
            survey = intake.check_open(survey, lang)
            submission = intake.submission_from_json(body, lang=lang)
            stored = intake.submit(
                session,
                survey=survey,
                questions=surveys.questions_of(session, survey.id),
                submission=submission,
                lang=lang,
                idempotency_key=request.headers.get("idempotency-key"),
            )
        except intake.Rejected as error:
            return _error(request, survey, error)
    payload = {"id": str(stored.id), "survey": survey.id, "removed": list(stored.removed)}
    return JSONResponse(
        payload, status_code=201 if stored.created else 200, headers=_cors(request, survey)
    )


routes = [
    Route("/embed.js", embed_js),
    Route("/api/v1/surveys/{survey}", survey_definition, methods=["GET"]),
    Route("/api/v1/surveys/{survey}", preflight, methods=["OPTIONS"]),
    Route("/api/v1/surveys/{survey}/responses", post_response, methods=["POST"]),
    Route("/api/v1/surveys/{survey}/responses", preflight, methods=["OPTIONS"]),
]
