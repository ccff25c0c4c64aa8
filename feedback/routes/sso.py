"""Staff single sign-on: OpenID Connect authorization code flow with PKCE, through Authlib.

Authlib (its Starlette client) does discovery, the PKCE verifier (S256), state and nonce kept
in the signed session, the token exchange, and the ID token's checks (signature against the
provider's keys, issuer, audience, expiry, nonce). What is ours: mapping the person to an
account (feedback.staff.oidc) and starting a server-side session like any other sign-in.
"""

from __future__ import annotations

import logging

import httpx2
from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.core.i18n import gettext_for
from feedback.core.settings import Settings
from feedback.routes.base import db, language, public, render
from feedback.routes.login import finish_sign_in, safe_next
from feedback.staff import audit, oidc

log = logging.getLogger("feedback")


def _client(request: Request) -> object:
    """The app's Authlib client for the configured provider (made once per app)."""
    settings: Settings = request.app.state.settings
    if not oidc.configured(settings):
        raise HTTPException(404)
    registry = getattr(request.app.state, "oauth", None)
    if registry is None:
        registry = OAuth()
        registry.register(
            name="staff",
            server_metadata_url=oidc.metadata_url(settings.oidc_issuer or ""),
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
        )
        request.app.state.oauth = registry
    return registry.create_client("staff")


def _callback_url(request: Request) -> str:
    return request.app.state.settings.base_url.rstrip("/") + "/login/sso/callback"


@public("starts single sign-on: sends the browser to the identity provider")
async def start(request: Request) -> Response:
    """GET /login/sso: off to the provider (state, nonce and PKCE verifier kept in the session)."""
    client = _client(request)
    lang = language(request)
    request.session["lang"] = lang
    request.session["sso_next"] = safe_next(request.query_params.get("next"))

    try:
        return await client.authorize_redirect(request, _callback_url(request))  # type: ignore[attr-defined, no-any-return]
    except (OAuthError, httpx2.HTTPError, OSError, ValueError) as error:
        log.warning("single sign-on could not start: %s", error)
        return _failed(request, lang, 503)


def _failed(request: Request, lang: str, status: int) -> Response:
    _ = gettext_for(lang).gettext
    message = _("Single sign-on did not work. Try again, or ask an administrator.")
    context = {"status": status, "message": message}
    return render(request, "errors.html", context, lang=lang, status_code=status)


@public("the identity provider sends the browser back here; state, PKCE and the ID token checked")
async def callback(request: Request) -> Response:
    """GET /login/sso/callback: check the answer and the ID token, then sign in."""
    client = _client(request)
    lang = str(request.session.get("lang") or language(request))
    settings: Settings = request.app.state.settings
    try:
        token = await client.authorize_access_token(request)  # type: ignore[attr-defined]
    except (OAuthError, httpx2.HTTPError, OSError, ValueError, KeyError) as error:
        # A refused consent, a replayed or forged answer, a bad token: nobody signs in.
        log.info("single sign-on refused: %s", type(error).__name__)
        return _failed(request, lang, 400)
    claims = dict(token.get("userinfo") or {})
    claims.update(await _userinfo(client, token, str(claims.get("sub") or "")))
    issuer = str(claims.get("iss") or settings.oidc_issuer or "")
    with db(request) as session:
        try:
            user = oidc.link(
                session, issuer=issuer, claims=claims, roles_claim=settings.oidc_roles_claim
            )
        except ValueError:
            return _failed(request, lang, 400)
        if not user.active:
            audit.record(session, user, "login.failed", user.username, method="sso")
    if not user.active:
        _ = gettext_for(lang).gettext
        context = {"status": 403, "message": _("This account is deactivated.")}
        return render(request, "errors.html", context, lang=lang, status_code=403)
    return finish_sign_in(
        request, user, method="sso", target=str(request.session.get("sso_next") or "")
    )


async def _userinfo(client: object, token: dict[str, object], subject: str) -> dict[str, object]:
    """The provider's userinfo claims about the same subject (some put names and roles only
    there); {} if it has no such endpoint or answers about someone else."""
    try:
        found = dict(await client.userinfo(token=token))  # type: ignore[attr-defined]
    except (OAuthError, httpx2.HTTPError, OSError, ValueError, KeyError, RuntimeError) as error:
        log.info("single sign-on: no userinfo (%s)", type(error).__name__)
        return {}
    # OpenID Connect Core 5.3.2: a userinfo answer about another subject must not be used.
    if str(found.get("sub") or "") != subject:
        return {}
    found.pop("iss", None)
    return found


routes = [
    Route("/login/sso", start, methods=["GET"]),
    Route("/login/sso/callback", callback, methods=["GET"]),
]
