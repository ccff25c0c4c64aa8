"""What every route module shares: language, rendering, errors, the staff user, CSRF."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from feedback.answers import intake
from feedback.core.catalog import CHANNELS, LANGUAGES, MODE_LABELS
from feedback.core.db import session_scope
from feedback.core.i18n import N_, gettext_for, negotiate, other_language, pick
from feedback.core.models import StaffUser, Survey
from feedback.core.numbers import whole_number
from feedback.core.times import as_utc
from feedback.integrations import tokens
from feedback.staff import auth, sessions
from feedback.surveys import definitions as surveys
from feedback.surveys import first_steps

log = logging.getLogger("feedback")
Handler = Callable[[Request], Awaitable[Response]]


def language(request: Request, available: tuple[str, ...] | list[str] = LANGUAGES) -> str:
    """The request's language: `lang=` first, then Accept-Language, then English."""
    return negotiate(
        request.query_params.get("lang"), request.headers.get("accept-language"), available
    )


@contextmanager
def db(request: Request) -> Iterator[Session]:
    """A database session for this request, committed when the block ends."""
    with session_scope(request.app.state.engine) as session:
        yield session


def path_id(request: Request, name: str = "id") -> int:
    """The id in the path; 404 for anything that is not an id a database column holds."""
    found = whole_number(request.path_params[name], lo=1)
    if found is None:
        raise HTTPException(404)
    return found


def url_with(request: Request, **changes: str | None) -> str:
    """The current path with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return request.url.path + ("?" + urlencode(params) if params else "")


def when(moment: datetime, lang: str) -> str:
    """A time as people read it: in its own zone when it has one (a service's, named by its
    city), else UTC (stored instants)."""
    zone = getattr(moment.tzinfo, "key", None)
    if zone and zone != "UTC":
        place = zone.rsplit("/", 1)[-1].replace("_", " ")
        text = format_datetime(moment, format="d MMM y, HH:mm", tzinfo=moment.tzinfo, locale=lang)
        return f"{text} ({place})"
    return format_datetime(as_utc(moment), format="d MMM y, HH:mm 'UTC'", tzinfo=UTC, locale=lang)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    lang: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a page in `lang`, with the helpers every template uses."""
    translations = gettext_for(lang)

    def _(message: str, **variables: Any) -> str:
        text = translations.gettext(message)
        return text % variables if variables else text

    helpers = {
        "lang": lang,
        "other_lang": other_language(lang),
        "gettext": _,
        "_": _,
        "pick": lambda text: pick(text, lang),
        "channel_label": lambda cid: pick(CHANNELS[cid].label, lang) if cid in CHANNELS else cid,
        "mode_label": lambda mode: pick(MODE_LABELS[mode], lang),  # type: ignore[index]
        "pct": lambda value, digits=0: (
            format_percent(
                value, format="#,##0" + ("." + "0" * digits if digits else "") + " %", locale=lang
            )
            if value is not None
            else "–"
        ),
        "num": lambda value, digits=0: format_decimal(
            value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=lang
        ),
        "date": lambda d, fmt="medium": format_date(d, format=fmt, locale=lang),
        "datetime": lambda d: when(d, lang),
        "url_with": lambda **kw: url_with(request, **kw),
        "user": getattr(request.state, "user", None),
        "csrf_token": request.session.get("csrf_token") if "session" in request.scope else None,
        "next_step": lambda survey_id=None: next_step(request, survey_id),  # on empty pages
    }
    return request.app.state.templates.TemplateResponse(
        request, template, {**helpers, **context}, status_code=status_code, headers=headers
    )


def next_step(request: Request, survey_id: str | None = None) -> first_steps.NextStep | None:
    """What the signed-in person (or one survey) should do next, if a first step is open."""
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    with db(request) as session:
        if survey_id is not None:
            return first_steps.for_survey(session, user=user, survey_id=survey_id)
        return first_steps.next_step(session, user=user)


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


def open_survey(
    request: Request, session: Session
) -> tuple[Survey | None, str, intake.Rejected | None]:
    """The survey named in the path, the language to answer in, and why it is not open, if so."""
    survey = surveys.get_survey(session, request.path_params["survey"])
    lang = language(request, survey.languages if survey else LANGUAGES)
    try:
        return intake.check_open(survey, lang), lang, None
    except intake.Rejected as error:
        return survey, lang, error


def session_policy(request: Request) -> sessions.Policy:
    """How long staff sessions last, from the settings."""
    settings = request.app.state.settings
    return sessions.Policy(max_age=settings.session_max_age, idle=settings.session_idle)


def current_session(request: Request) -> sessions.Current | None:
    """The signed-in staff user and their session, read once per request (one indexed query)."""
    if "staff_session" in request.state._state:
        found: sessions.Current | None = request.state.staff_session
        return found
    token = request.session.get("sid") if "session" in request.scope else None
    found = None
    if token is not None:
        with db(request) as session:
            found = sessions.resolve(session, token, policy=session_policy(request))
    request.state.staff_session = found
    return found


def current_user(request: Request) -> StaffUser | None:
    """The signed-in staff user, if their session is live on the server."""
    found = current_session(request)
    return found.user if found else None


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """Let only logged-in staff with one of `roles` in; others go to the login page or get 403."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request) -> Response:
            user = current_user(request)
            if user is None and is_api(request):
                return error_page(request, 401)
            if user is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
            if not user.role:
                # Signed in through single sign-on, but no admin has granted a role yet.
                context = {"user": user}
                lang = language(request)
                return render(request, "login_no_access.html", context, lang=lang, status_code=403)
            if _must_enrol(request, user):
                return RedirectResponse(
                    f"/account/two-factor?lang={language(request)}", status_code=303
                )
            if user.role not in roles:
                raise HTTPException(403)
            request.state.user = user
            ensure_csrf(request)
            if request.method == "POST":
                form = await request.form()
                token = form.get("csrf_token")
                if not auth.csrf_matches(request.session.get("csrf_token"), str(token or "")):
                    raise HTTPException(403)
            return await handler(request)

        guarded.roles = roles  # type: ignore[attr-defined]  # read by the route inventory test
        return guarded

    return decorate


def _must_enrol(request: Request, user: StaffUser) -> bool:
    """An admin who signed in with only a password, where a second factor is required."""
    found = current_session(request)
    return bool(
        request.app.state.settings.require_2fa
        and user.role == "admin"
        and not user.totp_secret
        and found is not None
        and found.method == "password"
        and not request.url.path.startswith("/account/two-factor")
    )


def public(reason: str) -> Callable[[Handler], Handler]:
    """Mark a route as open to anyone, saying why; the route inventory test reads `.public`."""

    def decorate(handler: Handler) -> Handler:
        handler.public = reason  # type: ignore[attr-defined]
        return handler

    return decorate


def requires_token(scope: str) -> Callable[[Handler], Handler]:
    """Let in API callers whose bearer token holds `scope`; 401 or 403 JSON for the others.

    Sets `request.state.token`; a restriction to services is checked by the handler, which
    knows the survey. The route inventory test reads `.token_scope`.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request) -> Response:
            _ = gettext_for(language(request)).gettext
            kind, _sep, secret = request.headers.get("authorization", "").partition(" ")
            token = None
            if kind.lower() == "bearer" and secret.strip():
                with db(request) as session:
                    token = tokens.verify(session, secret.strip())
            if token is None:
                message = _("Send a valid API token in the Authorization: Bearer header.")
                challenge = {"WWW-Authenticate": 'Bearer realm="feedback"'}
                return api_error(401, "unauthorized", message, headers=challenge)
            if scope not in token.scopes:
                message = _("This API token may not do this.")
                challenge = {
                    "WWW-Authenticate": f'Bearer error="insufficient_scope" scope="{scope}"'
                }
                return api_error(403, "insufficient_scope", message, headers=challenge)
            request.state.token = token
            return await handler(request)

        guarded.token_scope = scope  # type: ignore[attr-defined]  # read by the route inventory
        return guarded

    return decorate


def ensure_csrf(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf_token")
    if not token:
        token = request.session["csrf_token"] = auth.new_csrf_token()
    return str(token)
