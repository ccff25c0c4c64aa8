"""Comments of a survey: search, filters, paging, frequent terms; hiding an abusive one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dashboards import terms
from feedback.comments import counts, followup, search
from feedback.core.catalog import LANGUAGES
from feedback.core.models import Service, StaffUser
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


def _listed(items: list[search.Item]) -> list[comments.Comment]:
    """The page's comments as the template shows them."""
    return [
        comments.Comment(
            i.comment.answer_id,
            i.comment.response_id,
            i.comment.submitted_at,
            i.comment.channel,
            i.comment.language,
            i.comment.touchpoint,
            i.text,
            None if i.comment.score is None else str(int(i.comment.score)),
        )  # fmt: skip
        for i in items
    ]


async def comments_page(request: Request) -> Response:
    """GET /dashboard/surveys/{survey}/comments: every comment that matches, newest first."""
    lang = language(request)
    user: StaffUser = request.state.user
    view = read_view(request, lang, days=90)
    text = (request.query_params.get("q") or "").strip()[:SEARCH_MAX]
    after = search.Cursor.parse(request.query_params.get("after"))
    with db(request) as session:
        survey = survey_or_404(session, request)
        questions = surveys.questions_of(session, survey.id)
        headline = surveys.headline_question(questions)
        labels = score_labels(questions, headline, lang)
        wanted = tuple(v for v in request.query_params.getlist("score") if v in labels)
        f = view.filters
        query = search.Inbox(
            survey_id=survey.id, since=f.since, until=f.until, channels=f.channels,
            language=f.languages[0] if len(f.languages) == 1 else None, text=text,
            scores=tuple(float(v) for v in wanted), touchpoint=f.touchpoint,
        )  # fmt: skip
        items, following = search.page(session, query, after=after, limit=PER_PAGE)
        part = counts.Slice(survey.id, f.since, f.until, f.channels, query.language)
        if text or wanted or f.touchpoint:
            total, more = search.count(session, query)
        else:  # the daily counts answer at once
            total, more = sum(counts.comments_by_language(session, part).values()), False
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
            "search": comments.Search(text, wanted, headline.id if headline else None),
            "score_labels": labels,
            "comments": _listed(items),
            "total": total,
            "more": more,
            "next_url": _here(request, after=following.token()) if following else None,
            "first_url": _here(request, after=None) if after else None,
            "periods": periods,
            "can_hide": can_edit(user, survey.service_id),
            "hidden_count": comments.hidden_count(session, survey_ids=[survey.id]),
            "just_hidden": request.query_params.get("hidden") == "1",
            "here": _here(request),
        }
    return page(request, "dashboard/comments.html", context, lang)


def _here(request: Request, **changes: str | None) -> str:
    """This page's path and query without the one-time "hidden" notice, with some changes."""
    drop = {"hidden", *changes}
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in drop]
    params += [(k, v) for k, v in changes.items() if v is not None]
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
