"""Staff sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.i18n import gettext_for
from feedback.routes.base import current_user, db, ensure_csrf, language, public, render
from feedback.staff import audit, auth, throttle


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login page cannot send people to another site ("" if none)."""
    if not target:
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target


def _home(role: str) -> str:
    """Where a role starts: agents only enter answers, everyone else reads dashboards."""
    return "/assist" if role == "agent" else "/dashboard"


@public("the sign-in page must be reachable before signing in")
async def login_form(request: Request) -> Response:
    """GET /login."""
    lang = language(request)
    ensure_csrf(request)
    context = {"next": _safe_next(request.query_params.get("next")), "error": None, "username": ""}
    return render(request, "login.html", context, lang=lang)


@public("signing in; CSRF-checked and throttled")
async def login_post(request: Request) -> Response:
    """POST /login: check the CSRF token and the password, then start a fresh session."""
    form = await request.form()
    lang = str(form.get("lang") or "") or language(request)
    lang = lang if lang in ("en", "fr") else "en"
    if not auth.csrf_matches(request.session.get("csrf_token"), str(form.get("csrf_token") or "")):
        raise HTTPException(403)
    # NUL is never part of a name, and PostgreSQL refuses it in text.
    username = str(form.get("username") or "").replace("\x00", "")[:80]
    password = str(form.get("password") or "")[:1024]
    target = _safe_next(str(form.get("next") or ""))
    ip = request.client.host if request.client else None
    with db(request) as session:
        keys = throttle.keys(session, username=username, ip=ip)
        counted = throttle.attempt(session, keys)
        wait = counted.wait
        user = None if wait else auth.authenticate(session, username=username, password=password)
        if user is not None:
            throttle.succeeded(session, keys, counted)
        if not wait:
            # The typed name only when it is a real account: people type passwords there too.
            # Never the password, the address or the browser.
            known = user is not None or auth.find_user(session, username) is not None
            target_name = username if known else "(unknown user)"
            action = "login.success" if user else "login.failed"
            audit.record(session, user or target_name, action, target_name)
        user_id = user.id if user else None
        stamp = auth.session_stamp(user) if user else ""
        home = _home(user.role) if user else ""
    if wait:
        message = gettext_for(lang).gettext(
            "Too many failed sign-in attempts. Try again in %(n)s min."
        ) % {"n": -(-wait // 60)}
        context = {"next": target, "error": message, "username": username}
        headers = {"Retry-After": str(wait)}
        return render(request, "login.html", context, lang=lang, status_code=429, headers=headers)
    if user_id is None:
        message = gettext_for(lang).gettext("The username or password is not right. Try again.")
        context = {"next": target, "error": message, "username": username}
        return render(request, "login.html", context, lang=lang, status_code=400)
    # A new session on login, so a token planted before it is worthless.
    request.session.clear()
    request.session.update(
        {"user_id": user_id, "stamp": stamp, "lang": lang, "csrf_token": auth.new_csrf_token()}
    )
    return RedirectResponse(target or home, status_code=303)


@public("signing out; CSRF-checked, harmless without a session")
async def logout(request: Request) -> Response:
    """POST /logout: end the session."""
    form = await request.form()
    if not auth.csrf_matches(request.session.get("csrf_token"), str(form.get("csrf_token") or "")):
        raise HTTPException(403)
    lang = request.session.get("lang", "en")
    user = current_user(request)
    if user is not None:
        with db(request) as session:
            audit.record(session, user, "logout", user.username)
    request.session.clear()
    return RedirectResponse(f"/login?lang={lang}", status_code=303)


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_post, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
