"""GET /dashboard/services/{service}/channels: digital against human across a service's surveys.

Reads only the daily aggregates (one sum per survey over the dates), so the page costs the
number of surveys and days, not of responses. Only staff who may see the service reach it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboards import payload, series, service_figure, service_modes
from feedback.core import local_time
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Service, StaffUser, Survey
from feedback.insight import queries
from feedback.routes.base import db, language, requires
from feedback.routes.dashboard_kit import figure_labels, respond, verdict_labels, whole_days
from feedback.routes.filtering import can_edit, chart_labels, mode_names, read_view
from feedback.staff import auth
from feedback.surveys import definitions as surveys


def _service(session: Session, request: Request) -> Service:
    """The service in the path, if the user may see it; else a 404 (its existence unsaid)."""
    user: StaffUser = request.state.user
    service = session.get(Service, request.path_params["service"])
    if service is None or not auth.can_see_service(user, service.id):
        raise HTTPException(404)
    return service


def _modes(survey: Survey) -> set[str]:
    return {CHANNELS[c].mode for c in survey.channels if c in CHANNELS}


def _gaps(session: Session, shown: list[Survey], filters: queries.Filters) -> list[Any]:
    """Each survey's gap (or why it has none) and the overall one, judged as one family."""
    gaps, cells = [], {}
    for survey in shown:
        question = surveys.headline_question(surveys.questions_of(session, survey.id))
        if question is None or question.id is None or question.kind not in series.VALID:
            gaps.append(service_modes.SurveyGap(survey.id, {}, service_modes.NO_GAP,
                                                service_modes.NO_QUESTION))  # fmt: skip
            continue
        rows = queries.answer_counts(session, question_id=question.id, filters=filters)
        found = service_modes.cells_of(rows, question.kind)
        gap = service_modes.survey_gap(survey.id, found)
        if len(_modes(survey)) < 2 and gap.reason:
            gap = service_modes.SurveyGap(survey.id, gap.shares, gap.difference,
                                          service_modes.ONE_MODE)  # fmt: skip
        gaps.append(gap)
        cells[survey.id] = found
    gaps.append(service_modes.overall_gap(cells))
    return service_modes.judge(gaps)


def _share_json(share: service_modes.ModeShare) -> dict[str, Any]:
    iv = share.interval
    pct = lambda v: None if v is None else round(100 * v, 1)  # noqa: E731
    return {"value": pct(iv.estimate), "low": pct(iv.low), "high": pct(iv.high), "n": iv.n,
            "enough_data": share.enough}  # fmt: skip


async def service_channels(request: Request) -> Response:
    """The self-service against assisted gap on each of the service's surveys and overall."""
    lang = language(request)
    user: StaffUser = request.state.user
    with db(request) as session:
        service = _service(session, request)
        shown = [s for s in surveys.all_surveys(session, [service.id]) if s.status != "draft"]
        today = local_time.today(service.time_zone or local_time.DEFAULT_ZONE)
        view = whole_days(request, read_view(request, lang), today, 365)
        # Every channel, whatever the query says: one channel is one mode, and a comparison
        # of two modes with one of them filtered away would read "no answers" everywhere.
        filters = dataclasses.replace(view.filters, channels=())
        gaps = _gaps(session, shown, filters)
    names = {s.id: pick(s.title, lang) for s in shown}
    names[service_modes.OVERALL] = gettext_for(lang).gettext("Service overall")
    labels = {**figure_labels(lang), **verdict_labels(lang), **chart_labels(lang)}
    labels["not_enough"] = verdict_labels(lang)["not_enough_data"]
    family = payload.family([g.difference for g in gaps])
    context: dict[str, Any] = {
        "service": service, "view": view, "filters": filters, "errors": view.errors,
        "gaps": gaps, "surveys_by_id": {s.id: s for s in shown}, "names": names,
        "family": family, "verdicts": verdict_labels(lang), "can_edit": can_edit(user, service.id),
        "compared": [g for g in gaps if g.difference.estimate is not None],
    }  # fmt: skip
    if context["compared"]:
        context["fig_service"] = service_figure.figure(gaps, names, labels)
    modes = mode_names(lang)
    context["mode_names"] = modes
    data = {
        "view": "service_channels",
        "service": service.id,
        "since": view.filters.since.isoformat(),
        "until": view.filters.until.isoformat(),
        "standardised": "each survey's modes weighted to their own channel mix; the overall "
        "weights both modes to one mix of the surveys used on both",
        "family": family,
        "gaps": [
            {"survey": None if g.key == service_modes.OVERALL else g.key,
             "reason": g.reason,
             "shares": {m: _share_json(s) for m, s in g.shares.items()},
             **payload.change(g.difference)}
            for g in gaps
        ],
    }  # fmt: skip
    return respond(request, "dashboard/service_channels.html", context, data, lang)


routes = [
    Route(
        "/dashboard/services/{service}/channels",
        requires(*auth.DASHBOARD_ROLES)(service_channels),
    ),
]
