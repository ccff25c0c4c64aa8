"""Theme trends per survey or per service: shares over time and by channel, score gaps."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feedback.comments import search, trends
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import pick
from feedback.core.models import StaffUser
from feedback.routes.base import db, language, requires
from feedback.routes.filtering import page, read_view, visible_services
from feedback.staff import auth


def _interval(i: Any) -> dict[str, Any]:
    return {"share": i.estimate, "low": i.low, "high": i.high, "n": i.n}


async def theme_trends(request: Request) -> Response:
    """GET /dashboard/comments/trends: each theme's share and score gap, what to fix first."""
    lang = language(request)
    user: StaffUser = request.state.user
    view = read_view(request, lang, days=180, grain="month")
    visible = visible_services(user)
    with db(request) as session:
        services, surveys_ = search.choices(
            session, tuple(visible) if visible is not None else None
        )
        service_id = request.query_params.get("service") or ""
        survey_id = request.query_params.get("survey") or ""
        chosen = [
            s for s in surveys_ if survey_id in ("", s.id) and service_id in ("", s.service_id)
        ]
        result = trends.trends(
            session,
            survey_ids=[s.id for s in chosen],
            first=view.filters.since,
            last=view.filters.until,
            grain=view.grain,
            channels=view.filters.channels,
        )
    if request.query_params.get("format") == "json":
        return JSONResponse(
            {
                "since": view.filters.since.isoformat(),
                "until": view.filters.until.isoformat(),
                "comments": result.comments,
                "themes": [
                    {
                        "id": t.theme.id,
                        "name": t.theme.name,
                        "overall": _interval(t.overall),
                        "periods": {p.isoformat(): _interval(i) for p, i in t.periods.items()},
                        "channels": {c: _interval(i) for c, i in t.channels.items()},
                        "score_gap": None if t.gap is None else vars(t.gap),
                    }
                    for t in result.themes
                ],
            }
        )
    context = {
        "view": view,
        "filters": view.filters,
        "grain": view.grain,
        "errors": view.errors,
        "result": result,
        "services": services,
        "surveys": surveys_,
        "service_id": service_id,
        "survey_id": survey_id,
        "channels_all": list(CHANNELS),
        "scope": next((pick(s.title, lang) for s in chosen if s.id == survey_id), None),
    }
    return page(request, "dashboard/comment_trends.html", context, lang)


routes = [
    Route("/dashboard/comments/trends", requires(*auth.DASHBOARD_ROLES)(theme_trends)),
]
