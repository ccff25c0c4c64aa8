"""API tokens, for admins: create one (shown once), see when each was last used, revoke."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.i18n import N_, gettext_for, pick
from feedback.core.models import ApiToken
from feedback.insight import summaries
from feedback.integrations import tokens
from feedback.routes.base import db, form_language, path_id, render, requires

SCOPE_LABELS = {
    "ingest": N_("Send responses (bulk ingest)"),
    "read": N_("Read responses"),
    "invite": N_("Send invitations (email, text message)"),
}
# The token is shown once: the page must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def _page(request: Request, lang: str, status: int = 200, **extra: Any) -> Response:
    with db(request) as session:
        listed = tokens.listing(session)
        services = summaries.services(session)
    context = {
        "tokens": listed,
        "services": services,
        "service_names": {s.id: s.name for s in services},
        "scopes": tokens.SCOPES,
        "scope_labels": SCOPE_LABELS,
        "errors": {},
        "values": {"name": "", "scopes": [], "services": []},
        "done": request.query_params.get("done") if "done" in request.query_params else None,
        **extra,
    }
    return render(request, "admin/tokens.html", context, lang=lang, status_code=status,
                  headers=NO_STORE)  # fmt: skip


@requires("admin")
async def tokens_page(request: Request) -> Response:
    """GET /admin/tokens: every token with its prefix, scopes and last use; a form to add one."""
    return _page(request, form_language(request))


@requires("admin")
async def create_token(request: Request) -> Response:
    """POST /admin/tokens: create a token and show it once on the result page."""
    form = await request.form()
    lang = form_language(request, form)
    _ = gettext_for(lang).gettext
    name = str(form.get("name") or "").strip()
    scopes = [str(v) for v in form.getlist("scopes")]
    services = [str(v) for v in form.getlist("services")]
    errors: dict[str, str] = {}
    if not name or len(name) > 80:
        errors["name"] = _(
            "Enter a name of at most 80 characters, such as the system that uses it."
        )
    if not scopes or any(s not in tokens.SCOPES for s in scopes):
        errors["scope-ingest"] = _("Choose what the token may do.")
    if not errors:
        with db(request) as session:
            try:
                created = tokens.create(
                    session, name=name, scopes=scopes, service_ids=services, by=request.state.user
                )
            except tokens.TokenError:
                errors["services-title"] = _("Choose services from the list.")
            else:
                secret, token_name = created.secret, created.token.name
    if errors:
        values = {"name": name, "scopes": scopes, "services": services}
        return _page(request, lang, 400, errors=errors, values=values)
    return _page(request, lang, new_token=secret, new_name=token_name)


@requires("admin")
async def revoke_confirm(request: Request) -> Response:
    """GET /admin/tokens/{id}/revoke: ask before revoking (a plain page, no script needed)."""
    lang = form_language(request)
    _ = gettext_for(lang).gettext
    token_id = path_id(request)
    with db(request) as session:
        token = session.get(ApiToken, token_id)
        names = {s.id: s.name for s in summaries.services(session)}
    if token is None:
        raise HTTPException(404)
    if token.revoked_at is not None:
        return RedirectResponse(f"/admin/tokens?lang={lang}&done=revoked", status_code=303)
    context = {
        "heading": _("Revoke the token “%(name)s”?") % {"name": token.name},
        "facts": _facts(token, names, lang),
        "warning": _(
            "Systems that use this token are refused at once, and it cannot be turned back "
            "on. Give them a new token first if they must keep working."
        ),
        "action": f"/admin/tokens/{token.id}/revoke",
        "button": _("Revoke the token"),
        "cancel_url": f"/admin/tokens?lang={lang}",
    }
    return render(request, "admin/confirm.html", context, lang=lang, headers=NO_STORE)


def _facts(token: ApiToken, names: dict[str, dict[str, str]], lang: str) -> list[tuple[str, str]]:
    _ = gettext_for(lang).gettext
    services = [pick(names[s], lang) if s in names else s for s in token.service_ids]
    used = token.last_used_at.strftime("%Y-%m-%d %H:%M UTC") if token.last_used_at else _("Never")
    return [
        (_("Name"), token.name),
        (_("Starts with"), f"{token.prefix}…"),
        (_("May"), ", ".join(_(SCOPE_LABELS.get(s, s)) for s in token.scopes)),
        (_("Services"), ", ".join(services) or _("All services")),
        (_("Last used"), used),
    ]


@requires("admin")
async def revoke_token(request: Request) -> Response:
    """POST /admin/tokens/{id}/revoke: the token stops working at once."""
    form = await request.form()
    lang = form_language(request, form)
    token_id = path_id(request)
    with db(request) as session:
        found = tokens.revoke(session, token_id=token_id, by=request.state.user)
    if found is None:
        return _page(request, lang, 404)
    return RedirectResponse(f"/admin/tokens?lang={lang}&done=revoked", status_code=303)


routes = [
    Route("/admin/tokens", tokens_page, methods=["GET"]),
    Route("/admin/tokens", create_token, methods=["POST"]),
    Route("/admin/tokens/{id}/revoke", revoke_confirm, methods=["GET"]),
    Route("/admin/tokens/{id}/revoke", revoke_token, methods=["POST"]),
]
