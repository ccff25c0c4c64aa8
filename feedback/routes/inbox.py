"""The comments inbox across surveys, and one comment's follow-up (status, owner, themes, notes)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.comments import followup, search, themes
from feedback.core.catalog import CHANNELS, LANGUAGES
from feedback.core.i18n import N_, gettext_for
from feedback.core.models import StaffUser
from feedback.core.models.comments import STATUSES
from feedback.insight import events
from feedback.routes.base import db, language, requires
from feedback.routes.filtering import EDIT_ROLES, can_edit, page, visible_services
from feedback.staff import audit, auth

PER_PAGE = 25
SEARCH_MAX = 100
STATUS_NAMES = {
    "new": N_("New"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "no_action": N_("No action"),
}
BAND_NAMES = {"low": N_("Low score"), "middle": N_("Middle score"), "high": N_("High score")}
SHORTCUT_NAMES = {
    "last7": N_("Last 7 days"),
    "last30": N_("Last 30 days"),
    "last90": N_("Last 90 days"),
    "last_month": N_("Last month"),
    "this_quarter": N_("This quarter"),
}


def _day(raw: str | None, errors: list[str], lang: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        _ = gettext_for(lang).gettext
        errors.append(
            _("“%(value)s” is not a date. Use the form 2026-01-31.") % {"value": raw[:20]}
        )
        return None


def read_inbox(request: Request, user: StaffUser, lang: str) -> tuple[search.Inbox, list[str]]:
    """The inbox filters from the query string; unknown values are ignored, bad dates said."""
    q = request.query_params
    errors: list[str] = []
    visible = visible_services(user)
    theme = q.get("theme") or ""
    since, until = _day(q.get("since"), errors, lang), _day(q.get("until"), errors, lang)
    if since and until and since > until:
        _ = gettext_for(lang).gettext
        errors.append(_("The start date is after the end date; showing every date."))
        since = until = None
    query = search.Inbox(
        services=tuple(visible) if visible is not None else None,
        service_id=q.get("service") or None,
        survey_id=q.get("survey") or None,
        channel=q.get("channel") if q.get("channel") in CHANNELS else None,
        language=q.get("language") if q.get("language") in LANGUAGES else None,
        band=q.get("score") if q.get("score") in search.BANDS else None,
        theme_id=int(theme) if theme.isdigit() and len(theme) < 10 else None,
        status=q.get("status") if q.get("status") in STATUSES else None,
        shortcut=q.get("dates") if q.get("dates") in search.SHORTCUTS else None,
        since=since,
        until=until,
        text=(q.get("q") or "").strip()[:SEARCH_MAX],
        urgent=q.get("urgent") == "1",
    )
    return query, errors


async def inbox(request: Request) -> Response:
    """GET /dashboard/comments: every comment this person may see, newest first."""
    lang = language(request)
    user: StaffUser = request.state.user
    query, errors = read_inbox(request, user, lang)
    after = search.Cursor.parse(request.query_params.get("after"))
    with db(request) as session:
        items, following = search.page(session, query, after=after, limit=PER_PAGE)
        urgent = search.open_urgent(session, query) if after is None else []
        services, surveys_ = search.choices(session, query.services)
        context: dict[str, Any] = {
            "query": query,
            "errors": errors,
            "items": items,
            "urgent": urgent,
            "next_url": _with(request, after=following.token()) if following else None,
            "first_url": _with(request, after=None) if after else None,
            "services": services,
            "surveys": surveys_,
            "themes": themes.all_themes(session),
            "statuses": STATUS_NAMES,
            "bands": BAND_NAMES,
            "shortcuts": SHORTCUT_NAMES,
            "channels": CHANNELS,
            "can_manage_themes": user.role in EDIT_ROLES,
            "statuses_": STATUS_NAMES,
        }
    return page(request, "dashboard/inbox.html", context, lang)


def _with(request: Request, **changes: str | None) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    return request.url.path + ("?" + urlencode(params) if params else "")


def _comment(session: Any, request: Request) -> Any:
    comment = followup.get(session, request.state.user, request.path_params["answer"])
    if comment is None:
        raise HTTPException(404)
    return comment


async def detail(request: Request) -> Response:
    """GET /dashboard/comments/{answer}: the comment, its themes, status, owner and notes."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        comment = _comment(session, request)
        (item,) = search.details(session, [comment])
        context = {
            "item": item,
            "c": comment,
            "notes": followup.notes(session, comment.answer_id),
            "themes": themes.all_themes(session),
            "current": themes.themes_of(session, comment.answer_id),
            "assignees": followup.assignees(session, comment.service_id),
            "statuses": STATUS_NAMES,
            "can_edit": can_edit(user, comment.service_id),
            "saved": request.query_params.get("saved"),
            "changes": events.of_service(session, service_id=comment.service_id)[:50],
        }
    return page(request, "dashboard/inbox_comment.html", context, lang)


def _back(request: Request, answer_id: int, saved: str) -> Response:
    lang = language(request)
    return RedirectResponse(f"/dashboard/comments/{answer_id}?lang={lang}&saved={saved}", 303)


async def follow_up(request: Request) -> Response:
    """POST /dashboard/comments/{answer}/follow-up: status and assignee (audited)."""
    user: StaffUser = request.state.user
    form = await request.form()
    with db(request) as session:
        comment = _comment(session, request)
        if not can_edit(user, comment.service_id):
            raise HTTPException(403)
        try:
            changed = followup.update(
                session,
                comment,
                status=str(form.get("status") or ""),
                assignee=str(form.get("assignee") or "") or None,
            )
        except ValueError:
            raise HTTPException(400) from None
        if changed:
            audit.record(
                session, user, "comment.follow_up", f"answer:{comment.answer_id}", **changed
            )
        answer_id = comment.answer_id
    return _back(request, answer_id, "follow_up")


async def add_note(request: Request) -> Response:
    """POST /dashboard/comments/{answer}/notes: a note on the follow-up (audited)."""
    user: StaffUser = request.state.user
    form = await request.form()
    text = str(form.get("note") or "").strip()
    with db(request) as session:
        comment = _comment(session, request)
        if not can_edit(user, comment.service_id):
            raise HTTPException(403)
        answer_id = comment.answer_id
        if not text:
            return _back(request, answer_id, "empty_note")
        note = followup.add_note(session, comment, author=user.username, text=text)
        audit.record(session, user, "comment.note", f"answer:{answer_id}", note=note.id)
    return _back(request, answer_id, "note")


async def set_themes(request: Request) -> Response:
    """POST /dashboard/comments/{answer}/themes: confirm the comment's themes (audited)."""
    user: StaffUser = request.state.user
    form = await request.form()
    chosen = [int(str(v)) for v in form.getlist("theme") if str(v).isdigit() and len(str(v)) < 10]
    with db(request) as session:
        comment = _comment(session, request)
        if not can_edit(user, comment.service_id):
            raise HTTPException(403)
        themes.confirm(session, comment, chosen)
        audit.record(session, user, "comment.themes", f"answer:{comment.answer_id}", themes=chosen)
        answer_id = comment.answer_id
    return _back(request, answer_id, "themes")


async def acknowledge(request: Request) -> Response:
    """POST /dashboard/comments/{answer}/acknowledge: an urgent comment has been seen."""
    user: StaffUser = request.state.user
    with db(request) as session:
        comment = _comment(session, request)
        if not can_edit(user, comment.service_id):
            raise HTTPException(403)
        if followup.acknowledge(session, comment, by=user.username):
            audit.record(session, user, "comment.acknowledge", f"answer:{comment.answer_id}")
        answer_id = comment.answer_id
    return _back(request, answer_id, "acknowledged")


async def cite(request: Request) -> Response:
    """POST /dashboard/comments/{answer}/cite: a change event cites this comment and its
    themes (the public scorecard lists the themes, never the comment)."""
    user: StaffUser = request.state.user
    form = await request.form()
    raw = str(form.get("event") or "")
    with db(request) as session:
        comment = _comment(session, request)
        if not can_edit(user, comment.service_id):
            raise HTTPException(403)
        event = events.get(session, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if event is None or event.service_id != comment.service_id:
            raise HTTPException(400)
        theme_ids = sorted(themes.themes_of(session, comment.answer_id))
        events.cite(session, event, theme_ids=theme_ids, answer_ids=[comment.answer_id])
        audit.record(
            session, user, "event.cite", f"event:{event.id}",
            answer=comment.answer_id, themes=theme_ids,
        )  # fmt: skip
        answer_id = comment.answer_id
    return _back(request, answer_id, "cited")


_EDIT = requires(*EDIT_ROLES)
routes = [
    Route("/dashboard/comments", requires(*auth.DASHBOARD_ROLES)(inbox)),
    Route("/dashboard/comments/{answer:int}", requires(*auth.DASHBOARD_ROLES)(detail)),
    Route("/dashboard/comments/{answer:int}/follow-up", _EDIT(follow_up), methods=["POST"]),
    Route("/dashboard/comments/{answer:int}/notes", _EDIT(add_note), methods=["POST"]),
    Route("/dashboard/comments/{answer:int}/themes", _EDIT(set_themes), methods=["POST"]),
    Route("/dashboard/comments/{answer:int}/acknowledge", _EDIT(acknowledge), methods=["POST"]),
    Route("/dashboard/comments/{answer:int}/cite", _EDIT(cite), methods=["POST"]),
]
