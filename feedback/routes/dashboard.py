"""Managers' dashboards: the overview of every survey (the survey page is in survey_page).

Both read only the daily aggregates (summed by period in the database), so their cost
follows the number of days shown, not the number of responses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboards import overview as cards
from dashboards import payload
from feedback.core import local_time
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import pick
from feedback.core.models import Question, Service, StaffUser
from feedback.insight import comments, queries
from feedback.reach import report as reach_report
from feedback.routes import dashboard_services, methods, survey_page
from feedback.routes.base import db, language, requires
from feedback.routes.dashboard_kit import (
    measure_labels,
    respond,
    verdict_labels,
    whole_days,
    zone_of,
)
from feedback.routes.filtering import View, can_edit, read_view, visible_services
from feedback.staff import auth
from feedback.surveys import definitions as surveys

OVERVIEW_DAYS = (30, 90, 365)


def _days(request: Request) -> int | None:
    try:
        days: int | None = int(request.query_params.get("days", ""))
    except ValueError:
        days = None
    return days if days in OVERVIEW_DAYS else None


def _card(
    session: Session,
    question: Question | None,
    view: View,
    w: cards.Window,
    today: Any,
    by_channel: bool,
) -> cards.Card | None:
    """One survey's card from one read of its daily counts."""
    if question is None or question.id is None:
        return None
    rows = queries.answer_counts(
        session, question_id=question.id, filters=view.filters, grain="day",
        since=w.first_day, until=w.until, by_channel=by_channel,
    )  # fmt: skip
    return cards.card(rows, question.kind, w, today=today, by_channel=by_channel)


def _json(groups: list[dict[str, Any]], w: cards.Window, zone: str, lang: str) -> dict[str, Any]:
    changes = []
    out = []
    for g in groups:
        for c in g["cards"]:
            card: cards.Card | None = c["card"]
            item: dict[str, Any] = {
                "survey": c["survey"].id,
                "title": pick(c["survey"].title, lang),
                "service": g["service"].id if g["service"] else None,
                "question_kind": c["question"].kind if c["question"] else None,
                "responses": c["volume"],
            }
            if card is not None:
                changes.append(card.headline.change)
                changes.extend(h.change for _, h in card.channels)
                item.update(
                    score=payload.measure(card.headline.current),
                    before=payload.measure(card.headline.previous),
                    change=payload.change(card.headline.change),
                    weeks=[payload.point(p) for p in card.weeks],
                    channels=[
                        {"channel": ch, "score": payload.measure(h.current),
                         "before": payload.measure(h.previous), "change": payload.change(h.change)}
                        for ch, h in card.channels
                    ],
                )  # fmt: skip
            out.append(item)
    return {
        "view": "overview",
        "time_zone": zone,
        "since": w.since.isoformat(),
        "until": w.until.isoformat(),
        "before_since": w.before.isoformat(),
        "family": payload.family(changes),
        "surveys": out,
    }


async def overview(request: Request) -> Response:
    """GET /dashboard: each service's surveys: headline, interval, change, trend and volume."""
    lang = language(request)
    user: StaffUser = request.state.user
    days = _days(request)
    by_channel = request.query_params.get("by") == "channel"
    groups: list[dict[str, Any]] = []
    with db(request) as session:
        shown = [
            s for s in surveys.all_surveys(session, visible_services(user)) if s.status != "draft"
        ]
        zone = zone_of(session, [s.service_id for s in shown])
        today = local_time.today(zone)
        view = whole_days(request, read_view(request, lang, days=days or 90), today, days or 90)
        w = cards.window(view.filters.since, view.filters.until, today)
        ids = [s.id for s in shown]
        volume: dict[str, int] = dict.fromkeys(ids, 0)
        # Responses over the days compared, so the count and the headline agree.
        counted = replace(view.filters, since=w.since, until=w.until)
        for survey_id, _, _, n in queries.response_counts(session, survey_ids=ids, filters=counted):
            volume[survey_id] += n
        by_service: dict[str, dict[str, Any]] = {}
        items: list[dict[str, Any]] = []
        for survey in shown:
            if survey.service_id not in by_service:
                service = session.get(Service, survey.service_id)
                by_service[survey.service_id] = {
                    "service": service,
                    "cards": [],
                    "can_edit": can_edit(user, survey.service_id),
                    "walk": comments.WALK,
                }
                groups.append(by_service[survey.service_id])
            question = surveys.headline_question(surveys.questions_of(session, survey.id))
            item: dict[str, Any] = {"survey": survey, "question": question}
            item["volume"] = volume[survey.id]
            item["card"] = _card(session, question, view, w, today, by_channel)
            items.append(item)
            by_service[survey.service_id]["cards"].append(item)
        touchpoints = queries.touchpoints(session, survey_ids=ids)
        rates = reach_report.overview(session, survey_ids=ids, filters=view.filters)
    for item, judged in zip(items, cards.judge([i["card"] for i in items]), strict=True):
        item["card"] = judged
    data = _json(groups, w, zone, lang)
    context = {
        "groups": groups,
        "view": view,
        "filters": view.filters,
        "errors": view.errors,
        "days": days,
        "choices": OVERVIEW_DAYS,
        "today": today,
        "window": w,
        "zone": zone,
        "family": data["family"],
        "by_channel": by_channel,
        "touchpoints": touchpoints,
        "channel_choices": list(CHANNELS),
        "ch_mode": lambda c: CHANNELS[c].mode if c in CHANNELS else "self_service",
        "measure_labels": measure_labels(lang),
        "verdicts": verdict_labels(lang),
        "length": w.days,
    }
    context["rates"] = rates
    data["response_rates"] = {s: reach_report.rate_json(r) for s, r in rates.items()}
    return respond(request, "dashboard/overview.html", context, data, lang)


routes = [
    Route("/dashboard", requires(*auth.DASHBOARD_ROLES)(overview)),
    Route("/dashboard/statistics", requires(*auth.DASHBOARD_ROLES)(methods.statistics_page)),
    Route(
        "/dashboard/surveys/{survey}", requires(*auth.DASHBOARD_ROLES)(survey_page.survey_detail)
    ),
    *dashboard_services.routes,
]
