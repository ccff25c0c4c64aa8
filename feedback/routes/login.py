"""Staff sign-in (password, then the second factor if the account has one) and sign-out."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core import client_keys, limits
from feedback.core.i18n import gettext_for
from feedback.core.models import StaffUser
from feedback.routes.base import (
    current_session,
    current_user,
    db,
    ensure_csrf,
    language,
    public,
    render,
    session_policy,
)
from feedback.staff import audit, auth, oidc, sessions, throttle, totp

# Seconds between the password and the second factor: enough to open an app, no more.
PENDING_FOR = 300
# Wrong second-factor codes per account and 15 minutes (a million codes, ~30 s each).
SECOND_FACTOR_LIMIT = 10


def safe_next(target: str | None) -> str:
    """Only local paths, so the login page cannot send people to another site ("" if none)."""
    if not target:
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    # Browsers read a backslash as "/" ("/\evil.example" is another site) and drop tabs and
    # newlines, so neither may appear.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return ""
    return target


def _home(role: str) -> str:
    """Where a role starts: agents only enter answers, everyone else reads dashboards."""
    return "/assist" if role == "agent" else "/dashboard"


def _lang(request: Request, form: Any) -> str:
    lang = str(form.get("lang") or "") or language(request)
    return lang if lang in ("en", "fr") else "en"


def _check_csrf(request: Request, form: Any) -> None:
    if not auth.csrf_matches(request.session.get("csrf_token"), str(form.get("csrf_token") or "")):
        raise HTTPException(403)


def _login_page(request: Request, lang: str, status: int = 200, **extra: Any) -> Response:
    settings = request.app.state.settings
    context = {
        "next": "",
        "error": None,
        "username": "",
        "passwords": settings.local_passwords,
        "sso_name": oidc.display_name(settings),
        **extra,
    }
    headers = {"Retry-After": str(extra["wait"])} if extra.get("wait") else None
    return render(request, "login.html", context, lang=lang, status_code=status, headers=headers)


def finish_sign_in(request: Request, user: StaffUser, *, method: str, target: str) -> Response:
    """Start a server-side session for `user` and send them on; used by every way in."""
    lang = request.session.get("lang") or language(request)
    with db(request) as session:
        token = sessions.start(session, user, method=method, policy=session_policy(request))
        audit.record(session, user, "login.success", user.username, method=method)
    # A new session on sign-in, so a token planted before it is worthless.
    request.session.clear()
    request.session.update({"sid": token, "lang": lang, "csrf_token": auth.new_csrf_token()})
    response = RedirectResponse(target or _home(user.role), status_code=303)
    if method != "sso":
        assert user.id is not None
        settings = request.app.state.settings
        response.set_cookie(
            throttle.DEVICE_COOKIE,
            throttle.new_device_cookie(request.app.state.secret, user.id),
            max_age=throttle.DEVICE_MAX_AGE,
            path=throttle.DEVICE_PATH,
            secure=settings.https,
            httponly=True,
            samesite="strict",
        )
    return response


@public("the sign-in page must be reachable before signing in")
async def login_form(request: Request) -> Response:
    """GET /login."""
    ensure_csrf(request)
    return _login_page(request, language(request), next=safe_next(request.query_params.get("next")))


@public("signing in; CSRF-checked and throttled")
async def login_post(request: Request) -> Response:
    """POST /login: check the CSRF token and the password (throttled), then the second factor."""
    form = await request.form()
    lang = _lang(request, form)
    _check_csrf(request, form)
    _ = gettext_for(lang).gettext
    target = safe_next(str(form.get("next") or ""))
    if not request.app.state.settings.local_passwords:
        message = _("Sign-in with a password is turned off here. Use single sign-on.")
        return _login_page(request, lang, 400, next=target, error=message)
    # NUL is never part of a name, and PostgreSQL refuses it in text.
    username = str(form.get("username") or "").replace("\x00", "")[:80]
    password = str(form.get("password") or "")[:1024]
    ip = client_keys.client_address(request, request.app.state.settings)
    cookie = request.cookies.get(throttle.DEVICE_COOKIE)
    with db(request) as session:
        known = auth.find_user(session, username)
        device = throttle.device_for(request.app.state.secret, cookie, known.id if known else None)
        keys = throttle.keys(session, username=username, ip=ip, device=device)
        counted = throttle.attempt(session, keys)
        wait = counted.wait
        user = None if wait else auth.authenticate(session, username=username, password=password)
        if user is not None:
            throttle.succeeded(session, counted)
        elif not wait:
            # The typed name only when it is a real account: people type passwords there too.
            # Never the password, the address or the browser.
            target_name = username if known is not None else "(unknown user)"
            audit.record(session, target_name, "login.failed", target_name)
    if wait:
        message = _("Too many failed sign-in attempts. Try again in %(n)s min.") % {
            "n": -(-wait // 60)
        }
        return _login_page(
            request, lang, 429, next=target, error=message, username=username, wait=wait
        )
    if user is None:
        message = _("The username or password is not right. Try again.")
        return _login_page(request, lang, 400, next=target, error=message, username=username)
    request.session["lang"] = lang
    if user.totp_secret:
        request.session["pending"] = {"u": user.id, "at": int(time.time()), "next": target}
        return RedirectResponse(f"/login/two-factor?lang={lang}", status_code=303)
    return finish_sign_in(request, user, method="password", target=target)


def _pending(request: Request) -> dict[str, Any] | None:
    pending = request.session.get("pending")
    if not isinstance(pending, dict) or not isinstance(pending.get("u"), int):
        return None
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > PENDING_FOR:
        return None
    return pending


def _code_page(
    request: Request, lang: str, status: int = 200, error: str | None = None
) -> Response:
    context = {"error": error}
    return render(request, "login_code.html", context, lang=lang, status_code=status)


@public("the second step of signing in; only after the right password, CSRF-checked")
async def code_form(request: Request) -> Response:
    """GET /login/two-factor: ask for the code from the authenticator app."""
    lang = language(request)
    if _pending(request) is None:
        return RedirectResponse(f"/login?lang={lang}", status_code=303)
    ensure_csrf(request)
    return _code_page(request, lang)


@public("the second step of signing in; only after the right password, CSRF-checked, throttled")
async def code_post(request: Request) -> Response:
    """POST /login/two-factor: a code from the app, or a recovery code, finishes signing in."""
    form = await request.form()
    lang = _lang(request, form)
    _check_csrf(request, form)
    _ = gettext_for(lang).gettext
    pending = _pending(request)
    if pending is None:
        return RedirectResponse(f"/login?lang={lang}", status_code=303)
    code = str(form.get("code") or "")[:40]
    with db(request) as session:
        user = session.get(StaffUser, pending["u"])
        if user is None or not user.active:
            return RedirectResponse(f"/login?lang={lang}", status_code=303)
        verdict = limits.hit(
            session, f"login:code:{user.id}", limit=SECOND_FACTOR_LIMIT, window=throttle.WINDOW
        )
        ok = verdict.allowed and totp.verify(session, user, code)
        if not ok and verdict.allowed:
            audit.record(session, user, "login.code_failed", user.username)
    if not verdict.allowed:
        message = _("Too many wrong codes. Try again in %(n)s min.") % {
            "n": -(-verdict.retry_after // 60)
        }
        return _code_page(request, lang, 429, message)
    if not ok:
        return _code_page(request, lang, 400, _("This code is not right or was already used."))
    return finish_sign_in(request, user, method="totp", target=str(pending.get("next") or ""))


@public("signing out; CSRF-checked, harmless without a session")
async def logout(request: Request) -> Response:
    """POST /logout: end this browser's session on the server too."""
    form = await request.form()
    _check_csrf(request, form)
    lang = request.session.get("lang", "en")
    user = current_user(request)
    found = current_session(request)
    with db(request) as session:
        sessions.end(session, request.session.get("sid"))
        if user is not None and found is not None:
            audit.record(session, user, "logout", user.username)
    request.session.clear()
    return RedirectResponse(f"/login?lang={lang}", status_code=303)


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_post, methods=["POST"]),
    Route("/login/two-factor", code_form, methods=["GET"]),
    Route("/login/two-factor", code_post, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
