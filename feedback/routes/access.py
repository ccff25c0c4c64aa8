"""Who may call a route: signed-in staff with a role (with CSRF on every form and a second
factor where required), API callers with a token's scope, or anyone, saying why. The route
inventory test reads what each guard marks on its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from feedback.core.i18n import gettext_for
from feedback.core.models import StaffUser
from feedback.integrations import tokens
from feedback.routes.errors import api_error, error_page, is_api
from feedback.routes.pages import db, language, render
from feedback.staff import auth, sessions

Handler = Callable[[Request], Awaitable[Response]]


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
