"""Errors, one shape each: JSON on the API paths, a page in the person's language elsewhere;
and the handlers for what no route caught (HTTP errors, clients gone, the database away)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from feedback.core.i18n import N_, gettext_for
from feedback.routes.pages import language, render

log = logging.getLogger("feedback")


def is_api(request: Request) -> bool:
    """True for the JSON API paths, whose errors are JSON."""
    return request.url.path.startswith("/api/")


def api_error(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The one JSON error shape of the API."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_STATUS_MESSAGES = {
    400: ("bad_request", N_("The request could not be understood.")),
    401: ("unauthorized", N_("Sign in to see this page.")),
    403: ("forbidden", N_("You do not have access to this page.")),
    404: ("not_found", N_("We could not find that page.")),
    405: ("method_not_allowed", N_("This address does not accept that method.")),
    410: ("closed", N_("This survey is closed. Thank you for your interest.")),
    413: ("too_large", N_("The request is too large.")),
    429: ("too_many", N_("Too many answers were sent from here. Please try again in a minute.")),
    503: ("unavailable", N_("The service is busy. Please try again in a few seconds.")),
}


def error_page(request: Request, status: int, headers: dict[str, str] | None = None) -> Response:
    """An error as JSON on API paths, or as a page in the request's language elsewhere."""
    lang = language(request)
    code, message = _STATUS_MESSAGES.get(status, ("error", N_("Something went wrong on our side.")))
    message = gettext_for(lang).gettext(message)
    if is_api(request):
        return api_error(status, code, message, headers=headers)
    context = {"status": status, "message": message}
    return render(request, "errors.html", context, lang=lang, status_code=status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTPException, shown in the user's language."""
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code, headers=dict(exc.headers or {}))


def _route_of(request: Request) -> str:
    """The route's template (/i/{token}), never the path: some paths carry secrets."""
    route = request.scope.get("route")
    return str(getattr(route, "path", None) or "(no route)")


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client closed its connection before its request arrived: nobody is left to answer."""
    log.info("client left before its request arrived: %s %s", request.method, _route_of(request))
    return Response(status_code=400)


async def server_error(request: Request, exc: Exception) -> Response:
    """Any unexpected error: a 503 when the database is away, else a logged 500 page."""
    # A full pool (PoolTimeout) or a dropped connection is the database being away, not a bug.
    if isinstance(exc, OperationalError | PoolTimeout) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        log.error("database unavailable: %s", getattr(exc, "orig", None) or exc)
        return error_page(request, 503, headers={"Retry-After": "5"})
    if isinstance(exc, DataError):
        # Input the database refuses (a NUL character in text on PostgreSQL, say) that no
        # check caught: the request was bad, nothing was stored.
        log.warning("input refused by the database on %s: %s", _route_of(request), type(exc.orig))
        return error_page(request, 400)
    log.exception("unexpected error on %s %s", request.method, _route_of(request))
    return error_page(request, 500)
