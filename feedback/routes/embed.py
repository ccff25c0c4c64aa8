"""The widget and its public JSON API, with CORS from each survey's allowed origins."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from feedback.answers import admission, amend, intake, protect
from feedback.answers.widget_texts import widget_texts
from feedback.core import client_keys
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for
from feedback.core.models import Survey
from feedback.routes.base import api_error, db, language, open_survey, public
from feedback.surveys import definitions as surveys
from feedback.surveys import services, snippets

EMBED_JS = Path(__file__).parent.parent / "static" / "embed.js"
# An origin as browsers send it (scheme://host[:port], lower case), within a host name's length.
_SITE = re.compile(r"https?://(?:[a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?")


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
    headers = {**_cors(request, survey), **protect.retry_headers(error)}
    response = api_error(error.status, error.code, error.message, error.fields, headers)
    if error.removed:  # a preview: also name the kinds of personal information found
        body = json.loads(bytes(response.body))
        body["error"]["removed"] = list(error.removed)
        return JSONResponse(body, status_code=error.status, headers=headers)
    return response


def _guard(request: Request, survey: Survey) -> protect.Guard:
    """This client's limits (a salted hash of its address, never the address)."""
    settings = request.app.state.settings
    ip = client_keys.client_address(request, settings)
    return protect.widget_guard(request.app.state.engine, survey=survey, ip=ip, settings=settings)


def _not_allowed_here(request: Request, survey: Survey, lang: str) -> Response:
    """The refusal a site that is not allowed may read (the definition stays private): a link
    to the hosted survey, so the person can still answer, and for the publisher the command
    that allows the site. The widget sends its language, channel and touchpoint."""
    _ = gettext_for(lang).gettext
    origin = request.headers.get("origin", "")
    params = request.query_params
    channel = params.get("channel")
    touchpoint = (params.get("touchpoint") or "").strip()
    href = snippets.hosted_url(
        request.app.state.settings.base_url,
        survey.id,
        lang=lang,
        channel=channel if channel in CHANNELS and channel in survey.channels else None,
        touchpoint=touchpoint if len(touchpoint) <= intake.TOUCHPOINT_MAX else None,
    )
    headers = {"Vary": "Origin"}
    message = _("This site may not show this survey.")
    # Named, and echoed, only as a browser writes it: anything else could not be allowed (the
    # command refuses it), and a long or odd value is not sent back three times over.
    if _SITE.fullmatch(origin):
        message = _(
            "This site (%(origin)s) may not show survey %(survey)s. To allow it, run: "
            "feedback surveys allow-origin %(survey)s %(origin)s"
        ) % {"origin": origin, "survey": survey.id}
    if _SITE.fullmatch(origin) or origin == "null":  # null: a file or sandboxed page
        headers["Access-Control-Allow-Origin"] = origin
    body = {
        "code": "origin_not_allowed",
        "message": message,
        "link": {"href": href, "text": _("Answer our short survey")},
    }
    return JSONResponse({"error": body}, status_code=403, headers=headers)


@public("the widget script loaded by any allowed host page")
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


@public("CORS preflight for the widget API")
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
        "Access-Control-Allow-Methods": "GET, POST, PATCH",
        "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
        "Access-Control-Max-Age": "600",
    }
    return Response(status_code=204, headers=headers)


@public("the widget reads a live survey's public definition")
async def survey_definition(request: Request) -> Response:
    """GET /api/v1/surveys/{survey}: what the widget draws."""
    with db(request) as session:
        survey, lang, closed = open_survey(request, session)
        if closed:
            return _error(request, survey, closed)
        assert survey is not None
        if not _origin_allowed(request, survey):
            return _not_allowed_here(request, survey, lang)
        body = surveys.definition(survey, surveys.questions_of(session, survey.id))
        body["service"] = services.public_identity(services.get(session, survey.service_id))
        body["texts"] = widget_texts(survey.languages)
    headers = {**_cors(request, survey), "Cache-Control": "no-cache"}
    return JSONResponse(body, headers=headers)


async def _read_json(request: Request, survey: Survey | None, lang: str) -> Any:
    """The request's JSON body, or an error response naming what is wrong with it."""
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
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        message = _("The request body is not valid JSON.")
        return api_error(400, "bad_json", message, headers=_cors(request, survey))


def _stored(
    request: Request, survey: Survey, stored: intake.Stored, status: int, token: str | None
) -> Response:
    """The created/amended body: the response id, what was removed, and the amend token."""
    payload: dict[str, Any] = {"id": str(stored.id), "survey": survey.id}
    payload["removed"] = list(stored.removed)
    if token is not None:
        payload["amend_token"] = token
    return JSONResponse(payload, status_code=status, headers=_cors(request, survey))


def _body_language(body: Any, lang: str) -> str:
    if isinstance(body, dict) and body.get("language") in ("en", "fr"):
        return str(body["language"])
    return lang


@public("citizens submit answers from the widget")
async def post_response(request: Request) -> Response:
    """POST .../responses: store the answers; the same Idempotency-Key again replays."""
    # Read the body before taking a pooled connection: a session held across an await lets
    # slow uploads exhaust the pool, and the blocked checkout then stalls the event loop.
    await request.body()
    # Read at most a few seconds ago (see surveys.for_submission for what that allows).
    survey, questions = surveys.for_submission(
        request.app.state.engine, request.path_params["survey"]
    )
    lang = language(request, survey.languages if survey else ("en", "fr"))
    body = await _read_json(request, survey, lang)
    if isinstance(body, Response):
        return body
    lang = _body_language(body, lang)
    try:
        survey = intake.check_open(survey, lang)
        submission = intake.submission_from_json(body, lang=lang, source="widget")
        protect.require_device(submission.channel, None, lang)  # kiosks post from /k/ only
        guard = _guard(request, survey)
        pending = intake.prepare(
            survey,
            questions,
            submission,
            lang,
            idempotency_key=request.headers.get("idempotency-key"),
            partial=body.get("partial") is True,
            preview=body.get("preview") is True,
            checks=admission.client_checks(
                survey, guard.client, guard.client_limit, guard.survey_cap
            ),
        )
        # Stored with what other requests sent meanwhile, in one commit (group_commit.py);
        # answered once that commit is on the disk.
        stored = await request.app.state.writer.store(pending)
    except intake.Rejected as error:
        return _error(request, survey, error)
    if not stored.created:
        # A replay proves only that its sender knows the key: it never gets an amend token.
        return _stored(request, survey, stored, 200, None)
    return _stored(
        request,
        survey,
        stored,
        201,
        amend.make_token(request.app.state.secret, survey.id, stored.id),
    )


@public("follow-up answers, guarded by the short-lived amend token")
async def patch_response(request: Request) -> Response:
    """PATCH .../responses/{id}: follow-up answers amend the response the first answer made."""
    await request.body()  # before the session, as in post_response
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        lang = language(request, survey.languages if survey else ("en", "fr"))
        body = await _read_json(request, survey, lang)
        if isinstance(body, Response):
            return body
        lang = _body_language(body, lang)
        _ = gettext_for(lang).gettext
        try:
            survey = intake.check_open(survey, lang)
            if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
                message = _("Give the answers as an object keyed by question id.")
                raise intake.Rejected(
                    422, "invalid", _("Some answers need your attention."), {"answers": message}
                )
            wanted = request.path_params["id"]
            token_id = amend.read_token(
                request.app.state.secret, body.get("amend_token"), survey.id
            )
            if not token_id or str(token_id) != wanted:
                message = _("This answer can no longer be changed.")
                raise intake.Rejected(403, "amend_not_allowed", message)
            # Limited by the channel the response was stored with, not one the body claims.
            guard = protect.follow_up_guard(
                session,
                survey=survey,
                ip=client_keys.client_address(request, request.app.state.settings),
                response_id=token_id,
                settings=request.app.state.settings,
            )
            protect.check(session, survey=survey, guard=guard, lang=lang)
            stored = amend.amend(
                session,
                survey=survey,
                questions=surveys.questions_of(session, survey.id),
                response_id=token_id,
                answers=body["answers"],
                lang=lang,
                language=body.get("language") if isinstance(body.get("language"), str) else None,
                partial=body.get("partial") is True,
                preview=body.get("preview") is True,
            )
        except intake.Rejected as error:
            return _error(request, survey, error)
    # The token it came with, not a new one: its expiry was fixed when it was first given.
    return _stored(request, survey, stored, 200, body["amend_token"])


routes = [
    Route("/embed.js", embed_js),
    Route("/api/v1/surveys/{survey}", survey_definition, methods=["GET"]),
    Route("/api/v1/surveys/{survey}", preflight, methods=["OPTIONS"]),
    Route("/api/v1/surveys/{survey}/responses", post_response, methods=["POST"]),
    Route("/api/v1/surveys/{survey}/responses", preflight, methods=["OPTIONS"]),
    Route("/api/v1/surveys/{survey}/responses/{id}", patch_response, methods=["PATCH"]),
    Route("/api/v1/surveys/{survey}/responses/{id}", preflight, methods=["OPTIONS"]),
]
