"""A staff member's own account: their sessions (sign out everywhere), their password, and
their second factor (set up with a QR code or a key, recovery codes, turn off)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core import limits
from feedback.core.i18n import gettext_for
from feedback.core.models import StaffUser
from feedback.routes.base import (
    current_user,
    db,
    form_language,
    language,
    public,
    render,
    requires,
    session_policy,
)
from feedback.staff import audit, auth, sessions, throttle, totp

ANYONE = auth.ROLES
# Recovery codes and keys are shown once: the page must not be kept by a browser or proxy.
NO_STORE = {"Cache-Control": "no-store"}
DONE = ("password", "others", "two-factor-off")
# Wrong current passwords per account and 15 minutes (wrong codes: twice this, as at sign-in).
GUESSES = 5


def _token(request: Request) -> str | None:
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def _account_page(request: Request, lang: str, status: int = 200, **extra: Any) -> Response:
    me: StaffUser = request.state.user
    token = _token(request)
    with db(request) as session:
        mine = sessions.live(session, me.id or 0, policy=session_policy(request))
    done = request.query_params.get("done")
    context = {
        "sessions": [(row, sessions.is_this(row, token)) for row in mine],
        "has_password": bool(me.password_hash) and request.app.state.settings.local_passwords,
        "errors": {},
        "done": done if done in DONE else None,
        **extra,
    }
    status = 400 if context["errors"] else status
    return render(request, "account.html", context, lang=lang, status_code=status)


async def account(request: Request) -> Response:
    """GET /account: where you are signed in, your password and your second factor."""
    return _account_page(request, language(request))


@public("signing out everywhere, like /logout: CSRF-checked, harmless without a session")
async def sign_out_everywhere(request: Request) -> Response:
    """POST /account/sessions: end every session of yours, or every other one (`keep=1`)."""
    form = await request.form()
    lang = form_language(request, form)
    if not auth.csrf_matches(request.session.get("csrf_token"), str(form.get("csrf_token") or "")):
        raise HTTPException(403)
    me = current_user(request)
    if me is None:
        return RedirectResponse(f"/login?lang={lang}", status_code=303)
    keep = _token(request) if form.get("keep") == "1" else None
    with db(request) as session:
        ended = sessions.end_all(session, me.id, keep=keep)
        audit.record(session, me, "sessions.end_all", me.username, ended=ended)
    if keep:
        return RedirectResponse(f"/account?lang={lang}&done=others", status_code=303)
    request.session.clear()
    return RedirectResponse(f"/login?lang={lang}", status_code=303)


async def change_password(request: Request) -> Response:
    """POST /account/password: a new password (the current one first); other sessions end."""
    form = await request.form()
    lang = form_language(request, form)
    _ = gettext_for(lang).gettext
    me: StaffUser = request.state.user
    current = str(form.get("current") or "")[:1024]
    new = str(form.get("new") or "")[:1024]
    errors: dict[str, str] = {}
    with db(request) as session:
        checked, wrong = _owner(session, me, current, lang)
        if not me.password_hash or not request.app.state.settings.local_passwords:
            errors["current"] = _("This account signs in through single sign-on only.")
        elif wrong:
            errors["current"] = wrong
        if len(new) < 10:
            errors["new"] = _("Choose a new password of at least 10 characters.")
        elif new != str(form.get("again") or ""):
            errors["again"] = _("The two new passwords are not the same.")
        if not errors and checked is not None:
            auth.set_password(session, checked, new, keep=_token(request))
            audit.record(session, me, "user.password_change", me.username)
    if errors:
        return _account_page(request, lang, errors=errors)
    return RedirectResponse(f"/account?lang={lang}&done=password", status_code=303)


def _owner(
    session: Session, me: StaffUser, password: str, lang: str
) -> tuple[StaffUser | None, str | None]:
    """`me` if `password` is their current one, else why not (wrong, or too many tries)."""
    _ = gettext_for(lang).gettext
    # A borrowed session must not become a way to guess the password at full speed.
    verdict = limits.hit(
        session, f"account:password:{me.id}", limit=GUESSES, window=throttle.WINDOW
    )
    if not verdict.allowed:
        message = _("Too many failed sign-in attempts. Try again in %(n)s min.")
        return None, message % {"n": -(-verdict.retry_after // 60)}
    checked = auth.authenticate(session, username=me.username, password=password)
    if checked is None or checked.id != me.id:
        return None, _("Your current password is not right.")
    return checked, None


def _offered_secret(request: Request) -> str:
    """The secret offered while setting up: from the server's secret, the session and a nonce
    kept in the session (so each set-up, even in the same session, gets a new one)."""
    nonce = request.session.get("totp_nonce")
    if not isinstance(nonce, str):
        nonce = request.session["totp_nonce"] = secrets.token_urlsafe(16)
    return totp.enrolment_secret(request.app.state.secret, f"{_token(request) or ''}:{nonce}")


def _two_factor_page(request: Request, lang: str, status: int = 200, **extra: Any) -> Response:
    me: StaffUser = request.state.user
    settings = request.app.state.settings
    context: dict[str, Any] = {
        "enrolled": bool(me.totp_secret),
        "required": settings.require_2fa and me.role == "admin",
        "codes_left": len(me.recovery_codes),
        "local": bool(me.password_hash),
        "errors": {},
        **extra,
    }
    if not me.totp_secret and me.password_hash and not extra.get("recovery_codes"):
        secret = _offered_secret(request)
        uri = totp.provisioning_uri(secret, me.username)
        context.update(qr_svg=totp.qr_svg(uri), manual_key=totp.spaced(secret))
    status = 400 if context["errors"] else status
    return render(
        request, "account_two_factor.html", context, lang=lang, status_code=status, headers=NO_STORE
    )


async def two_factor(request: Request) -> Response:
    """GET /account/two-factor: set up the second factor, or see and change it."""
    return _two_factor_page(request, language(request))


async def two_factor_post(request: Request) -> Response:
    """POST /account/two-factor: `confirm` a new app, get new `recovery` codes, or turn `off`."""
    form = await request.form()
    lang = form_language(request, form)
    _ = gettext_for(lang).gettext
    me: StaffUser = request.state.user
    action = str(form.get("action") or "")
    code = str(form.get("code") or "")[:40]
    wrong = {"code": _("This code is not right or was already used.")}
    with db(request) as session:
        user = session.get(StaffUser, me.id)
        assert user is not None
        request.state.user = user
        if action == "confirm" and not user.totp_secret and user.password_hash:
            # The password too: a borrowed session alone must not tie the account to its app.
            current = str(form.get("current") or "")[:1024]
            _checked, wrong_password = _owner(session, user, current, lang)
            if wrong_password:
                return _two_factor_page(request, lang, errors={"current": wrong_password})
            secret = _offered_secret(request)
            codes = totp.confirm(session, user, secret=secret, code=code, keep=_token(request))
            if codes is None:
                return _two_factor_page(request, lang, errors=wrong)
            audit.record(session, user, "two_factor.on", user.username)
            request.session.pop("totp_nonce", None)  # a later set-up gets a new secret
            return _two_factor_page(request, lang, recovery_codes=codes)
        if action in ("recovery", "off") and user.totp_secret:
            # The same count as the sign-in's second step: codes are guessed nowhere faster.
            verdict = limits.hit(
                session, f"login:code:{user.id}", limit=GUESSES * 2, window=throttle.WINDOW
            )
            if not verdict.allowed or not totp.verify(session, user, code):
                return _two_factor_page(request, lang, errors=wrong)
            if action == "recovery":
                codes = totp.new_recovery_codes(session, user)
                audit.record(session, user, "two_factor.new_codes", user.username)
                return _two_factor_page(request, lang, recovery_codes=codes)
            if request.app.state.settings.require_2fa and user.role == "admin":
                message = _("Administrators must keep a second factor here.")
                return _two_factor_page(request, lang, errors={"code": message})
            totp.turn_off(session, user, keep=_token(request))
            audit.record(session, user, "two_factor.off", user.username)
            return RedirectResponse(f"/account?lang={lang}&done=two-factor-off", status_code=303)
    return RedirectResponse(f"/account/two-factor?lang={lang}", status_code=303)


routes = [
    Route("/account", requires(*ANYONE)(account), methods=["GET"]),
    Route("/account/sessions", sign_out_everywhere, methods=["POST"]),
    Route("/account/password", requires(*ANYONE)(change_password), methods=["POST"]),
    Route("/account/two-factor", requires(*ANYONE)(two_factor), methods=["GET"]),
    Route("/account/two-factor", requires(*ANYONE)(two_factor_post), methods=["POST"]),
]
