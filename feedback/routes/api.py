"""The token API for machines: bulk ingest, paged reads, and the OpenAPI document."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feedback.answers import bulk, intake
from feedback.core import days
from feedback.core.i18n import gettext_for
from feedback.core.models import ApiToken
from feedback.core.numbers import whole_number
from feedback.insight import export
from feedback.integrations import openapi, openapi_reference, tokens
from feedback.routes.base import api_error, db, language, public, render, requires_token
from feedback.surveys import definitions as surveys

PAGE_DEFAULT = 100
PAGE_MAX = 1000


def _rejected(error: intake.Rejected) -> Response:
    return api_error(error.status, error.code, error.message, error.fields)


async def _json_body(request: Request, lang: str) -> Any:
    """The JSON body, or raise Rejected (415, 400) saying what is wrong."""
    _ = gettext_for(lang).gettext
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise intake.Rejected(415, "unsupported_media_type", _("Send the items as JSON."))
    try:
        return json.loads((await request.body()).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        message = _("The request body is not valid JSON.")
        raise intake.Rejected(400, "bad_json", message) from error


def _ingest(request: Request, body: Any, lang: str, service_ids: list[str]) -> list[bulk.Result]:
    with db(request) as session:
        return bulk.ingest(session, body=body, lang=lang, service_ids=service_ids)


@requires_token("ingest")
async def bulk_ingest(request: Request) -> Response:
    """POST /api/v1/responses: up to 1,000 responses, each with its own result."""
    lang = language(request)
    token: ApiToken = request.state.token
    try:
        body = await _json_body(request, lang)
        # In a worker thread: up to 1,000 items are checked and scrubbed, and the event loop
        # must go on answering everyone else meanwhile.
        results = await run_in_threadpool(_ingest, request, body, lang, token.service_ids)
    except intake.Rejected as error:
        return _rejected(error)
    payload = {
        "results": [r.as_json() for r in results],
        "created": sum(r.status == 201 for r in results),
        "replayed": sum(r.status == 200 for r in results),
        "failed": sum(r.status >= 400 for r in results),
    }
    return JSONResponse(payload)


def _cursor(moment: datetime, response_id: int) -> str:
    raw = f"{moment.isoformat()}|{response_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(text: str) -> tuple[datetime, int]:
    """Decode an `after` cursor; ValueError if it is not one of ours."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    moment, _sep, response_id = raw.partition("|")
    found = whole_number(response_id, lo=0)
    if found is None:
        raise ValueError("not a response id")
    at = datetime.fromisoformat(moment)
    if not days.in_range(at.year):  # no time zone can be applied at the calendar's ends
        raise ValueError("out of range")
    return at, found


Cursor = tuple[datetime, int]


def _query(request: Request, lang: str) -> tuple[int, Cursor | None, export.Selection]:
    """limit, after and since/until from the query string; Rejected naming a bad one."""
    _ = gettext_for(lang).gettext
    params = request.query_params
    errors: dict[str, str] = {}
    limit = PAGE_DEFAULT
    raw_limit = params.get("limit")
    if raw_limit is not None:
        parsed = whole_number(raw_limit, lo=1, hi=PAGE_MAX)
        if parsed is not None:
            limit = parsed
        else:
            errors["limit"] = _("Give a number from 1 to %(max)d.") % {"max": PAGE_MAX}
    after = None
    if params.get("after"):
        try:
            after = _read_cursor(params["after"])
        except (ValueError, UnicodeDecodeError):
            errors["after"] = _("Use the `next` value of the previous page.")
    bounds: dict[str, date | None] = {}
    for name in ("since", "until"):
        try:
            bounds[name] = days.parse_day(params[name]) if params.get(name) else None
        except days.DayError as error:
            form = error.kind == "form"
            errors[name] = (
                _("Give a date as YYYY-MM-DD.") if form else days.message(error, "", lang)
            )
    if errors:
        raise intake.Rejected(422, "invalid", _("Some parameters are not valid."), errors)
    return limit, after, export.Selection(since=bounds.get("since"), until=bounds.get("until"))


@requires_token("read")
async def read_responses(request: Request) -> Response:
    """GET /api/v1/surveys/{survey}/responses: responses in time order, a page at a time."""
    lang = language(request)
    _ = gettext_for(lang).gettext
    token: ApiToken = request.state.token
    try:
        limit, after, selection = _query(request, lang)
        with db(request) as session:
            survey = surveys.get_survey(session, request.path_params["survey"])
            if survey is None:
                raise intake.Rejected(404, "not_found", _("This survey does not exist."))
            if not tokens.allows_service(token, survey.service_id):
                message = _("This API token may not use this survey.")
                raise intake.Rejected(403, "forbidden", message)
            questions = surveys.every_version_of(session, survey.id)
            rows = export.iter_rows(
                session,
                survey=survey,
                questions=questions,
                selection=selection,
                batch=limit + 1,
                after=after,
            )
            page = [row for _i, row in zip(range(limit + 1), rows, strict=False)]
    except intake.Rejected as error:
        return _rejected(error)
    more = len(page) > limit
    page = page[:limit]
    last = page[-1] if page else None
    return JSONResponse(
        {
            "items": [export.json_item(row, survey.id) for row in page],
            "next": _cursor(last.submitted_at, last.id) if more and last else None,
        }
    )


@public("the API's description is public, like the API paths it describes")
async def openapi_json(request: Request) -> Response:
    """GET /api/v1/openapi.json: the OpenAPI 3.1 document of every /api/v1 path."""
    base_url = request.app.state.settings.base_url
    return JSONResponse(openapi.document(base_url), headers={"Cache-Control": "no-cache"})


@public("the API's reference is public, like the document it is made from")
async def api_docs(request: Request) -> Response:
    """GET /api/v1/docs: the API reference as a page, made from the OpenAPI document."""
    lang = language(request)
    api = openapi_reference.reference(request.app.state.settings.base_url)
    fields = {"satisfaction": "Choose a number from 1 to 5."}
    error = {"code": "invalid", "message": "Some answers need your attention.", "fields": fields}
    context = {"api": api, "error_example": json.dumps({"error": error}, indent=2)}
    return render(request, "api_docs.html", context, lang=lang)


routes = [
    Route("/api/v1/docs", api_docs, methods=["GET"]),
    Route("/api/v1/responses", bulk_ingest, methods=["POST"]),
    Route("/api/v1/surveys/{survey}/responses", read_responses, methods=["GET"]),
    Route("/api/v1/openapi.json", openapi_json, methods=["GET"]),
]
