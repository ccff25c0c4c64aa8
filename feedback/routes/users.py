"""Staff users, for admins: add someone with a role and services, change them, deactivate or
reactivate them, give them a new password. Every change goes to the audit log."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.i18n import N_, gettext_for
from feedback.core.models import StaffUser
from feedback.core.numbers import BIGINT_MAX
from feedback.insight import summaries
from feedback.routes.base import db, form_language, language, render, requires, session_policy
from feedback.staff import audit, auth, sessions, totp

ROLE_LABELS = {
    "admin": N_("Administrator"),
    "manager": N_("Manager"),
    "viewer": N_("Viewer"),
    "agent": N_("Agent"),
}
ROLE_HINTS = {
    "admin": N_("Everything, on every service, including users and the audit log."),
    "manager": N_("Dashboards, change events and surveys of their services."),
    "viewer": N_("Dashboards of their services, read only."),
    "agent": N_("Assisted entry only: records answers for callers and visitors."),
}
DONE = ("added", "changed", "deactivated", "reactivated", "signed-out", "two-factor-reset")
# A generated password is shown once: the page must not be kept by the browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def _services(form: FormData, known: set[str]) -> list[str]:
    return sorted({str(v) for v in form.getlist("services") if str(v) in known})


def _list_page(request: Request, lang: str, **extra: Any) -> Response:
    with db(request) as session:
        users = auth.list_users(session)
        services = summaries.services(session)
    done = request.query_params.get("done")
    context = {
        "users": users,
        "services": services,
        "service_names": {s.id: s.name for s in services},
        "roles": auth.ROLES,
        "role_labels": ROLE_LABELS,
        "role_hints": ROLE_HINTS,
        "done": done if done in DONE else None,
        "done_name": request.query_params.get("name", "")[:80],
        "errors": {},
        "values": {"username": "", "role": "", "services": []},
        **extra,
    }
    status = 400 if context["errors"] else 200
    headers = NO_STORE if extra.get("new_password") else None
    return render(
        request, "admin/users.html", context, lang=lang, status_code=status, headers=headers
    )


async def list_users(request: Request) -> Response:
    """GET /admin/users: every staff user, and a form to add one."""
    return _list_page(request, language(request))


async def add_user(request: Request) -> Response:
    """POST /admin/users: add a user with a role and services; their password is shown once."""
    form = await request.form()
    lang = form_language(request, form)
    _ = gettext_for(lang).gettext
    username = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    errors: dict[str, str] = {}
    with db(request) as session:
        known = {s.id for s in summaries.services(session)}
        chosen = _services(form, known)
        if not username or len(username) > 80 or any(c.isspace() for c in username):
            errors["username"] = _("Enter a username of 1 to 80 characters, without spaces.")
        elif auth.find_user(session, username) is not None:
            errors["username"] = _("Someone already has this username. Choose another.")
        if role not in auth.ROLES:
            errors["role-admin"] = _("Choose a role.")
        if not errors:
            password = auth.new_password()
            user = auth.create_user(
                session, username=username, password=password, role=role, service_ids=chosen
            )
            audit.record(
                session, request.state.user, "user.create", f"user:{username}",
                role=role, services=chosen,
            )  # fmt: skip
    values = {"username": username, "role": role, "services": chosen}
    if errors:
        return _list_page(request, lang, errors=errors, values=values)
    return _list_page(request, lang, new_password=password, new_user=user.username)


def _user(session: Any, request: Request) -> StaffUser:
    wanted = request.path_params["user"]
    # An id no column can hold names nobody (SQLite refuses to even compare it).
    user = session.get(StaffUser, wanted) if 0 < wanted <= BIGINT_MAX else None
    if user is None:
        raise HTTPException(404)
    return user


def _edit_page(request: Request, lang: str, **extra: Any) -> Response:
    with db(request) as session:
        user = _user(session, request)
        services = summaries.services(session)
        policy = session_policy(request)
        live = len(sessions.live(session, user.id or 0, policy=policy))
    me: StaffUser = request.state.user
    context = {
        "person": user,
        "live_sessions": live,
        "is_me": user.id == me.id,
        "services": services,
        "roles": auth.ROLES,
        "role_labels": ROLE_LABELS,
        "role_hints": ROLE_HINTS,
        "errors": {},
        "done": request.query_params.get("done")
        if request.query_params.get("done") in DONE
        else None,
        **extra,
    }
    status = 400 if context["errors"] else 200
    headers = NO_STORE if extra.get("new_password") else None
    return render(
        request, "admin/users_edit.html", context, lang=lang, status_code=status, headers=headers
    )


async def edit_user(request: Request) -> Response:
    """GET /admin/users/{user}: one user's role, services, status and password."""
    return _edit_page(request, language(request))


async def change_user(request: Request) -> Response:
    """POST /admin/users/{user}: save a new role and services (not your own role)."""
    form = await request.form()
    lang = form_language(request, form)
    _ = gettext_for(lang).gettext
    me: StaffUser = request.state.user
    role = str(form.get("role") or "")
    with db(request) as session:
        user = _user(session, request)
        known = {s.id for s in summaries.services(session)}
        chosen = _services(form, known)
        if role not in auth.ROLES:
            return _edit_page(request, lang, errors={"role-admin": _("Choose a role.")})
        if user.id == me.id and role != user.role:
            # So there is always an admin left who can undo it.
            message = _("You cannot change your own role. Ask another administrator.")
            return _edit_page(request, lang, errors={"role-admin": message})
        before = {"role": user.role, "services": list(user.service_ids)}
        auth.change_user(session, user, role=role, service_ids=chosen, keep=_mine(request, user))
        audit.record(
            session, me, "user.change", f"user:{user.username}",
            before=before, after={"role": role, "services": chosen},
        )  # fmt: skip
        user_id = user.id
    return RedirectResponse(f"/admin/users/{user_id}?lang={lang}&done=changed", status_code=303)


async def set_active(request: Request) -> Response:
    """POST /admin/users/{user}/active: deactivate (signed out at once) or reactivate."""
    form = await request.form()
    lang = form_language(request, form)
    me: StaffUser = request.state.user
    active = form.get("active") == "1"
    with db(request) as session:
        user = _user(session, request)
        if user.id == me.id:
            _ = gettext_for(lang).gettext
            message = _("You cannot deactivate yourself. Ask another administrator.")
            return _edit_page(request, lang, errors={"active": message})
        auth.set_active(session, user, active=active)
        action = "user.reactivate" if active else "user.deactivate"
        audit.record(session, me, action, f"user:{user.username}")
        user_id = user.id
    done = "reactivated" if active else "deactivated"
    return RedirectResponse(f"/admin/users/{user_id}?lang={lang}&done={done}", status_code=303)


async def reset_password(request: Request) -> Response:
    """POST /admin/users/{user}/password: a new random password, shown once to the admin."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        user = _user(session, request)
        password = auth.reset_password(session, user, keep=_mine(request, user))
        audit.record(session, request.state.user, "user.password_reset", f"user:{user.username}")
    return _edit_page(request, lang, new_password=password)


def _mine(request: Request, user: StaffUser) -> str | None:
    """The admin's own session token when they act on themselves (it is kept), else None."""
    token = request.session.get("sid")
    return token if user.id == request.state.user.id and isinstance(token, str) else None


async def end_sessions(request: Request) -> Response:
    """POST /admin/users/{user}/sessions: sign the user out everywhere (not your own session)."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        user = _user(session, request)
        ended = sessions.end_all(session, user.id, keep=_mine(request, user))
        audit.record(
            session, request.state.user, "sessions.end_all", f"user:{user.username}", ended=ended
        )
        user_id = user.id
    return RedirectResponse(f"/admin/users/{user_id}?lang={lang}&done=signed-out", status_code=303)


async def reset_two_factor(request: Request) -> Response:
    """POST /admin/users/{user}/two-factor: remove a lost second factor; they set it up again."""
    form = await request.form()
    lang = form_language(request, form)
    with db(request) as session:
        user = _user(session, request)
        totp.turn_off(session, user, keep=_mine(request, user))
        audit.record(session, request.state.user, "two_factor.reset", f"user:{user.username}")
        user_id = user.id
    done = "two-factor-reset"
    return RedirectResponse(f"/admin/users/{user_id}?lang={lang}&done={done}", status_code=303)


routes = [
    Route("/admin/users", requires("admin")(list_users), methods=["GET"]),
    Route("/admin/users", requires("admin")(add_user), methods=["POST"]),
    Route("/admin/users/{user:int}", requires("admin")(edit_user), methods=["GET"]),
    Route("/admin/users/{user:int}", requires("admin")(change_user), methods=["POST"]),
    Route("/admin/users/{user:int}/active", requires("admin")(set_active), methods=["POST"]),
    Route("/admin/users/{user:int}/password", requires("admin")(reset_password), methods=["POST"]),
    Route("/admin/users/{user:int}/sessions", requires("admin")(end_sessions), methods=["POST"]),
    Route(
        "/admin/users/{user:int}/two-factor", requires("admin")(reset_two_factor), methods=["POST"]
    ),
]
