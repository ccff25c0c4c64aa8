"""Staff manage comment themes (add, rename, merge) and each service's urgent-comment contact."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.comments import contacts, themes
from feedback.core.i18n import gettext_for
from feedback.core.models import StaffUser
from feedback.routes.base import db, language, requires
from feedback.routes.filtering import EDIT_ROLES, page, visible_services
from feedback.staff import audit


async def theme_list(request: Request, errors: list[str] | None = None) -> Response:
    """GET /dashboard/themes: every theme, with forms to add, rename and merge."""
    lang = language(request)
    with db(request) as session:
        context: dict[str, Any] = {
            "themes": themes.all_themes(session),
            "errors": errors or [],
            "saved": request.query_params.get("saved"),
        }
    status = 400 if errors else 200
    response = page(request, "dashboard/themes.html", context, lang)
    response.status_code = status
    return response


def _name(form: Any, lang: str, errors: list[str]) -> dict[str, str] | None:
    name = themes.clean_name(str(form.get("name_en") or ""), str(form.get("name_fr") or ""))
    if name is None:
        _ = gettext_for(lang).gettext
        errors.append(_("Give the theme a name in English and in French, 80 characters at most."))
    return name


def _done(request: Request, saved: str) -> Response:
    return RedirectResponse(f"/dashboard/themes?lang={language(request)}&saved={saved}", 303)


async def theme_add(request: Request) -> Response:
    """POST /dashboard/themes: a new theme."""
    user: StaffUser = request.state.user
    form = await request.form()
    errors: list[str] = []
    name = _name(form, language(request), errors)
    if name is None:
        return await theme_list(request, errors)
    with db(request) as session:
        theme = themes.add(session, name)
        audit.record(session, user, "theme.add", f"theme:{theme.id}", name=name)
    return _done(request, "added")


def _theme(session: Any, raw: Any) -> Any:
    theme = themes.get(session, raw)
    if theme is None:
        raise HTTPException(404)
    return theme


async def theme_rename(request: Request) -> Response:
    """POST /dashboard/themes/{theme}/rename: a new name in both languages."""
    user: StaffUser = request.state.user
    form = await request.form()
    errors: list[str] = []
    name = _name(form, language(request), errors)
    if name is None:
        return await theme_list(request, errors)
    with db(request) as session:
        theme = _theme(session, request.path_params["theme"])
        before = dict(theme.name)
        themes.rename(session, theme, name)
        audit.record(session, user, "theme.rename", f"theme:{theme.id}", before=before, name=name)
    return _done(request, "renamed")


async def theme_merge(request: Request) -> Response:
    """POST /dashboard/themes/{theme}/merge: its comments move to another theme; it goes."""
    user: StaffUser = request.state.user
    form = await request.form()
    raw = str(form.get("into") or "")
    with db(request) as session:
        source = _theme(session, request.path_params["theme"])
        target = themes.get(session, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if target is None or target.id == source.id:
            _ = gettext_for(language(request)).gettext
            return await theme_list(request, [_("Choose another theme to merge into.")])
        moved = themes.merge(session, source, target)
        audit.record(
            session, user, "theme.merge", f"theme:{source.id}", into=target.id, comments=moved
        )
    return _done(request, "merged")


async def contact_page(request: Request, errors: list[str] | None = None) -> Response:
    """GET /dashboard/comments/contacts: who hears of urgent comments, per service."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        context = {
            "services": contacts.editable(session, user, visible_services(user)),
            "errors": errors or [],
            "saved": request.query_params.get("saved"),
        }
    response = page(request, "dashboard/comment_contacts.html", context, lang)
    response.status_code = 400 if errors else 200
    return response


async def contact_save(request: Request) -> Response:
    """POST /dashboard/comments/contacts/{service}: a service's email and webhook."""
    lang = language(request)
    user: StaffUser = request.state.user
    form = await request.form()
    email = str(form.get("email") or "").strip()
    webhook = str(form.get("webhook") or "").strip()
    with db(request) as session:
        service = contacts.get(session, user, request.path_params["service"])
        if service is None:
            raise HTTPException(404)
        errors = contacts.check(email, webhook, lang, request.app.state.settings)
        if errors:
            return await contact_page(request, errors)
        contacts.save(session, service, email=email or None, webhook=webhook or None)
        audit.record(
            session, user, "service.urgent_contact", f"service:{service.id}",
            email=bool(email), webhook=bool(webhook),
        )  # fmt: skip
    return RedirectResponse(f"/dashboard/comments/contacts?lang={lang}&saved=1", 303)


_EDIT = requires(*EDIT_ROLES)
routes = [
    Route("/dashboard/themes", _EDIT(theme_list)),
    Route("/dashboard/themes/new", _EDIT(theme_add), methods=["POST"]),
    Route("/dashboard/themes/{theme:int}/rename", _EDIT(theme_rename), methods=["POST"]),
    Route("/dashboard/themes/{theme:int}/merge", _EDIT(theme_merge), methods=["POST"]),
    Route("/dashboard/comments/contacts", _EDIT(contact_page)),
    Route("/dashboard/comments/contacts/{service}", _EDIT(contact_save), methods=["POST"]),
]
