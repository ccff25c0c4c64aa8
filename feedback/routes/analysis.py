"""Two analytic views: drivers of satisfaction, and digital against human channels.

Both read only the daily aggregates, summed in the database over the filtered days.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboards import drivers, mode_figures, modes, payload, series
from feedback.core import local_time
from feedback.core.i18n import pick
from feedback.core.models import Question, Service, StaffUser, Survey
from feedback.insight import queries, rollups
from feedback.routes.base import db, language, requires
from feedback.routes.dashboard_kit import (
    figure_labels,
    respond,
    share_labels,
    verdict_labels,
    whole_days,
    zone_of,
)
from feedback.routes.filtering import (
    channel_names,
    chart_labels,
    driver_name,
    mode_names,
    read_view,
    survey_or_404,
    visible_services,
)
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys.forms import fields


def _scale_labels(questions: list[Question], lang: str) -> dict[int, dict[str, str]]:
    """Each question's answer labels by stored value, for the count tables."""
    out: dict[int, dict[str, str]] = {}
    for f, q in zip(fields(questions, lang), questions, strict=True):
        if q.id is not None:
            out[q.id] = {c.value: c.label or c.value for c in f.choices}
    return out


async def drivers_page(request: Request) -> Response:
    """GET /dashboard/surveys/{survey}/drivers: importance against performance per driver."""
    lang = language(request)
    with db(request) as session:
        survey = survey_or_404(session, request)
        service = session.get(Service, survey.service_id)
        today = local_time.today(service.time_zone if service else None)
        view = whole_days(request, read_view(request, lang), today, 365)
        questions = surveys.questions_of(session, survey.id)
        pairs = rollups.driver_pairs(questions)
        by_id = {q.id: q for q in questions}
        outcome = by_id.get(pairs[0][1]) if pairs else None
        asked = [
            drivers.DriverQuestion(
                d, by_id[d].kind, driver_name(by_id[d].driver, pick(by_id[d].text, lang), lang),
                pick(by_id[d].text, lang),
            )
            for d, _ in pairs
        ]  # fmt: skip
        ids = [q.question_id for q in asked]
        answers = queries.answers_by_channel(session, question_ids=ids, filters=view.filters)
        crosstab = (
            queries.pair_counts(
                session, question_ids=ids, outcome_id=pairs[0][1], filters=view.filters
            )
            if pairs
            else {}
        )
        touchpoints = queries.touchpoints(session, survey_id=survey.id)
    found = drivers.assess(asked, answers, crosstab)
    context: dict[str, Any] = {
        "survey": survey,
        "service": service,
        "outcome": outcome,
        "view": view,
        "filters": view.filters,
        "errors": view.errors,
        "touchpoints": touchpoints,
        "channel_choices": survey.channels,
        "drivers": found,
        "first": drivers.priorities(found),
        "guides": drivers.guides(found),
        "labels": _scale_labels(questions, lang),
    }
    if any(d.importance.r is not None for d in found):
        context["fig_drivers"] = drivers.figure(found, chart_labels(lang))
    return respond(request, "dashboard/drivers.html", context, _drivers_json(found, view), lang)


def _drivers_json(found: list[drivers.Driver], view: Any) -> dict[str, Any]:
    """The drivers page's figures: each driver's score and its correlation with the outcome."""
    out = []
    for d in found:
        iv, r = d.performance, d.importance
        out.append({
            "question": d.question.question_id, "name": d.question.name,
            "score": None if iv.estimate is None else round(100 * iv.estimate),
            "low": None if iv.low is None else round(100 * iv.low),
            "high": None if iv.high is None else round(100 * iv.high), "n": iv.n,
            "correlation": None if r.r is None else round(r.r, 2),
            "correlation_low": None if r.low is None else round(r.low, 2),
            "correlation_high": None if r.high is None else round(r.high, 2),
            "pairs": r.n,
        })  # fmt: skip
    f = view.filters
    return {"view": "drivers", "since": f.since.isoformat(), "until": f.until.isoformat(),
            "drivers": out}  # fmt: skip


def _chosen(request: Request, shown: list[Survey], volume: dict[str, int]) -> Survey | None:
    """The survey asked for, else the one with the most channels and responses."""
    wanted = request.query_params.get("survey")
    for survey in shown:
        if survey.id == wanted:
            return survey
    ranked = sorted(shown, key=lambda s: (-len(s.channels), -volume.get(s.id, 0)))
    return ranked[0] if ranked else None


async def channels_page(request: Request) -> Response:
    """GET /dashboard/channels: self-service against assisted, the flow, channel by driver."""
    lang = language(request)
    user: StaffUser = request.state.user
    names, labels, mode_label = channel_names(lang), figure_labels(lang), mode_names(lang)
    with db(request) as session:
        shown = [
            s for s in surveys.all_surveys(session, visible_services(user)) if s.status != "draft"
        ]
        chosen = _chosen(request, shown, {})
        zone = zone_of(session, [chosen.service_id] if chosen else [])
        today = local_time.today(zone)
        view = whole_days(request, read_view(request, lang), today, 365)
        f, grain = view.filters, view.grain
        context: dict[str, Any] = {
            "view": view, "filters": f, "grain": grain, "errors": view.errors,
            "verdicts": verdict_labels(lang), "zone": zone,
        }  # fmt: skip
        data: dict[str, Any] = {
            "view": "channels",
            "since": f.since.isoformat(),
            "until": f.until.isoformat(),
            "grain": grain,
            "time_zone": zone,
        }
        counts = queries.response_counts(session, survey_ids=[s.id for s in shown], filters=f)
        volume: dict[str, int] = {}
        for survey_id, _, _, n in counts:
            volume[survey_id] = volume.get(survey_id, 0) + n
        survey = _chosen(request, shown, volume)
        context.update(surveys_shown=shown, survey=survey, channel_choices=[], touchpoints=[])
        if survey is None:
            return respond(request, "dashboard/channels.html", context, data, lang)
        data["survey"] = survey.id
        questions = surveys.questions_of(session, survey.id)
        question = surveys.headline_question(questions)
        context.update(
            question=question,
            service=session.get(Service, survey.service_id),
            channel_choices=survey.channels,
            touchpoints=queries.touchpoints(session, survey_id=survey.id),
        )
        responses = queries.response_counts(session, survey_ids=[survey.id], filters=f, grain=grain)
        shares = modes.shares(responses, since=f.since, until=f.until, grain=grain, today=today)
        context.update(
            shares=shares, fig_share=mode_figures.share(shares, mode_label, labels, lang)
        )
        if question is not None and question.id is not None:
            rows = queries.answer_counts(session, question_id=question.id, filters=f, grain=grain)
            by_mode = modes.trend_by_mode(
                rows, question.kind, since=f.since, until=f.until, grain=grain, today=today
            )
            gaps = modes.gaps(by_mode)
            labels = {**labels, "score": share_labels(lang).get(question.kind, labels["score"])}
            context.update(
                by_mode=by_mode,
                gaps=gaps,
                share_label=labels["score"],
                family=payload.family([g.difference for g in gaps]),
                fig_modes=mode_figures.score_by_mode(by_mode, mode_label, labels, lang),
            )
            data.update(
                standardised="each mode weighted to its own channel mix over the range shown",
                modes={m: [payload.point(p) for p in ps] for m, ps in by_mode.items()},
                gaps=[
                    {"period": g.period.isoformat(), "partial": g.partial,
                     **payload.change(g.difference)}
                    for g in gaps
                ],
                family=context["family"],
            )  # fmt: skip
            if gaps:
                context["fig_gap"] = mode_figures.gap(gaps, labels, lang)
        other = next((q for q in questions if q.driver == "other_channel" and q.id), None)
        if other is not None and other.id is not None:
            rows = queries.answer_counts(session, question_id=other.id, filters=f)
            links = modes.flow([(c, v, n) for _, c, v, n in rows])
            # The first tries would dwarf the rest: the diagram shows who tried elsewhere first.
            tried = [link for link in links if link.source != modes.NO_OTHER]
            context.update(
                other=other,
                links=links,
                answered=sum(link.n for link in links),
                tried=sum(link.n for link in tried),
            )
            if tried:
                context["fig_flow"] = mode_figures.sankey(tried, names, labels)
        heat_questions = [d for d, _ in rollups.driver_pairs(questions)]
        if question is not None and question.id is not None and question.kind in series.VALID:
            heat_questions.insert(0, question.id)
        by_id = {q.id: q for q in questions}
        answers = queries.answers_by_channel(session, question_ids=heat_questions, filters=f)
    cells = modes.heat({q: by_id[q].kind for q in heat_questions}, answers)
    columns = [
        (q, driver_name(by_id[q].driver, pick(by_id[q].text, lang), lang))
        for q in heat_questions
        if any(key[1] == q for key in cells)
    ]
    rows_shown = [c for c in survey.channels if any((c, q) in cells for q, _ in columns)]
    midpoint = modes.overall_rate(cells)
    mid, half = mode_figures.scale(mode_figures.shares_of(rows_shown, columns, cells), midpoint)
    context.update(heat_columns=columns, heat_rows=rows_shown, cells=cells, heat_mid=midpoint)
    context["heat_scale"] = (mid - half, mid, mid + half)
    if len(columns) > 1 and rows_shown:
        context["fig_heat"] = mode_figures.heat(rows_shown, columns, cells, names, labels, midpoint)
    data["heat_midpoint"] = None if midpoint is None else round(100 * midpoint, 1)
    data["shares"] = [
        {"period": s.period.isoformat(), "partial": s.partial, **s.counts}
        for s in context.get("shares", [])
    ]
    data["heat"] = [
        {"channel": c, "question": q,
         "score": None if iv.estimate is None else round(100 * iv.estimate),
         "low": None if iv.low is None else round(100 * iv.low),
         "high": None if iv.high is None else round(100 * iv.high), "n": iv.n}
        for (c, q), iv in sorted(cells.items())
    ]  # fmt: skip
    return respond(request, "dashboard/channels.html", context, data, lang)


routes = [
    Route("/dashboard/surveys/{survey}/drivers", requires(*auth.DASHBOARD_ROLES)(drivers_page)),
    Route("/dashboard/channels", requires(*auth.DASHBOARD_ROLES)(channels_page)),
]
