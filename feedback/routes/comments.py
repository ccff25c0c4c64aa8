"""Comments of a survey: search, filters, paging, frequent terms; hiding an abusive one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dashboards import terms
from feedback.comments import counts, followup
from feedback.core.catalog import LANGUAGES
from feedback.core.models import Service, StaffUser
from feedback.core.numbers import whole_number
from feedback.insight import comments, queries
from feedback.routes.base import db, language, requires
from feedback.routes.filtering import (
    EDIT_ROLES,
    can_edit,
    page,
    read_view,
    score_labels,
    survey_or_404,
)
from feedback.staff import audit, auth
from feedback.surveys import definitions as surveys

PER_PAGE = 25
SEARCH_MAX = 100


def _page_number(request: Request) -> int:
    return whole_number(request.query_params.get("page"), lo=1, hi=100_000) or 1


async def comments_page(request: Request) -> Response:
    """GET /dashboard/surveys/{survey}/comments: every comment that matches, newest first."""
    lang = language(request)
    user: StaffUser = request.state.user
    view = read_view(request, lang, days=90)
    text = (request.query_params.get("q") or "").strip()[:SEARCH_MAX]
    number = _page_number(request)
    with db(request) as session:
        survey = survey_or_404(session, request)
        questions = surveys.questions_of(session, survey.id)
        headline = surveys.headline_question(questions)
        labels = score_labels(questions, headline, lang)
        wanted = tuple(v for v in request.query_params.getlist("score") if v in labels)
        search = comments.Search(text, wanted, headline.id if headline else None)
        found, total = comments.page(
            session,
            survey_id=survey.id,
            filters=view.filters,
            search=search,
            offset=(number - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        part = counts.Slice(
            survey.id,
            view.filters.since,
            view.filters.until,
            view.filters.channels,
            view.filters.languages[0] if len(view.filters.languages) == 1 else None,
        )
        periods = [
            terms.period_terms(start, by_language, top)
            for start, by_language, top in counts.terms_by_period(
                session, part, view.grain, LANGUAGES
            )
        ]
        context: dict[str, Any] = {
            "survey": survey,
            "service": session.get(Service, survey.service_id),
            "headline": headline,
            "view": view,
            "filters": view.filters,
            "grain": view.grain,
            "errors": view.errors,
            "touchpoints": queries.touchpoints(session, survey_id=survey.id),
            "channel_choices": survey.channels,
            "search": search,
            "score_labels": labels,
            "comments": found,
            "total": total,
            "page": number,
            "pages": max(1, -(-total // PER_PAGE)),
            "periods": periods,
            "can_hide": can_edit(user, survey.service_id),
            "hidden_count": comments.hidden_count(session, survey_ids=[survey.id]),
            "just_hidden": request.query_params.get("hidden") == "1",
            "here": _here(request),
            "page_url": lambda n: _here(request, page=str(n)),
        }
    return page(request, "dashboard/comments.html", context, lang)


def _here(request: Request, **changes: str) -> str:
    """This page's path and query without the one-time "hidden" notice, with some changes."""
    drop = {"hidden", *changes}
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    params += list(changes.items())
    return request.url.path + ("?" + urlencode(params) if params else "")


def _safe_next(raw: str, survey_id: str) -> str:
    """Back to a comments page of the same survey; anything else is ignored."""
    path = f"/dashboard/surveys/{survey_id}/comments"
    if raw == path or raw.startswith(path + "?"):
        return raw
    return path


async def hide_comment(request: Request) -> Response:
    """POST /dashboard/comments/{answer}/hide: hide an abusive comment, kept for audit."""
    user: StaffUser = request.state.user
    form = await request.form()
    answer_id = request.path_params["answer"]
    with db(request) as session:
        survey = comments.survey_of(session, answer_id)
        if survey is None or not auth.can_see_service(user, survey.service_id):
            raise HTTPException(404)
        if not can_edit(user, survey.service_id):
            raise HTTPException(403)
        if followup.hide(session, answer_id=answer_id, by=user.username):
            audit.record(session, user, "comment.hide", f"answer:{answer_id}", survey=survey.id)
    target = _safe_next(str(form.get("next") or ""), survey.id)
    target += ("&" if "?" in target else "?") + "hidden=1"
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/dashboard/surveys/{survey}/comments", requires(*auth.DASHBOARD_ROLES)(comments_page)),
    Route(
        "/dashboard/comments/{answer:int}/hide",
        requires(*EDIT_ROLES)(hide_comment),
        methods=["POST"],
    ),
]
