"""Managers' dashboards: the overview of every survey, and one survey in detail.

Both read only the daily aggregates (summed by period in the database), so their cost
follows the number of days shown, not the number of responses; the one raw read is the
short list of latest comments, an index walk that stops at its limit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboards import control, effects, figures, series, views
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import pick
from feedback.core.models import Question, Service, StaffUser, Survey, utcnow
from feedback.insight import comments, metrics, queries, rollups
from feedback.routes.base import db, language, requires
from feedback.routes.filtering import (
    View,
    can_edit,
    channel_names,
    chart_labels,
    page,
    read_view,
    score_labels,
    survey_or_404,
    visible_services,
)
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys.forms import fields

OVERVIEW_DAYS = (30, 90, 365)
SPARK_WEEKS = 26


def _overview_view(request: Request, lang: str) -> tuple[View, int | None]:
    try:
        days: int | None = int(request.query_params.get("days", ""))
    except ValueError:
        days = None
    days = days if days in OVERVIEW_DAYS else None
    return read_view(request, lang, days=days or 90, grain="week"), days


def _card(
    session: Session, survey: Survey, question: Question | None, view: View, by_channel: bool
) -> dict[str, Any]:
    """One survey's headline score against the period before, its sparkline and channels."""
    card: dict[str, Any] = {"survey": survey, "question": question, "headline": None}
    card.update(spark=None, channels=[])
    if question is None or question.id is None:
        return card
    f = view.filters
    before = f.since - timedelta(days=(f.until - f.since).days + 1)
    spark_since = f.until - timedelta(weeks=SPARK_WEEKS - 1)
    # One read of daily counts serves the range, the range before it and the sparkline.
    rows = queries.answer_counts(
        session,
        question_id=question.id,
        filters=f,
        grain="day",
        since=min(before, spark_since),
        by_channel=by_channel,
    )
    now = [r for r in rows if f.since <= r[0] <= f.until]
    then = [r for r in rows if before <= r[0] < f.since]
    card["headline"] = views.compare(now, then, question.kind)
    weekly = [r for r in rows if r[0] >= spark_since]
    points = series.by_channel(
        weekly, question.kind, since=spark_since, until=f.until, grain="week"
    ).get(series.ALL, [])
    card["spark"] = views.sparkline(points)
    if by_channel:
        channels = sorted({r[1] for r in now} | {r[1] for r in then})
        card["channels"] = [
            (
                c,
                views.compare(
                    [r for r in now if r[1] == c], [r for r in then if r[1] == c], question.kind
                ),
            )
            for c in channels
        ]
    return card


async def overview(request: Request) -> Response:
    """GET /dashboard: each service's surveys: score, interval, change, trend and volume."""
    lang = language(request)
    user: StaffUser = request.state.user
    view, days = _overview_view(request, lang)
    by_channel = request.query_params.get("by") == "channel"
    groups: list[dict[str, Any]] = []
    with db(request) as session:
        shown = [
            s for s in surveys.all_surveys(session, visible_services(user)) if s.status != "draft"
        ]
        ids = [s.id for s in shown]
        volume: dict[str, int] = dict.fromkeys(ids, 0)
        for survey_id, _, _, n in queries.response_counts(
            session, survey_ids=ids, filters=view.filters
        ):
            volume[survey_id] += n
        by_service: dict[str, dict[str, Any]] = {}
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
            card = _card(session, survey, question, view, by_channel)
            card["volume"] = volume[survey.id]
            by_service[survey.service_id]["cards"].append(card)
        touchpoints = queries.touchpoints(session, survey_ids=ids)
    context = {
        "groups": groups,
        "view": view,
        "filters": view.filters,
        "errors": view.errors,
        "days": days,
        "choices": OVERVIEW_DAYS,
        "today": utcnow().date(),
        "by_channel": by_channel,
        "touchpoints": touchpoints,
        "channel_choices": list(CHANNELS),
        "ch_mode": lambda c: CHANNELS[c].mode if c in CHANNELS else "self_service",
        "length": (view.filters.until - view.filters.since).days + 1,
    }
    return page(request, "dashboard/overview.html", context, lang)


def _base_of(
    question: Question, by_key: dict[str, Question], totals: dict[int, dict[str, int]]
) -> int | None:
    """How many people were shown a checklist: the answers that reveal it, if known."""
    rule = question.show_if
    if not rule:
        return None
    source = by_key.get(str(rule.get("question")))
    if source is None or source.id is None or source.kind != "yes_no":
        return None
    wanted = {"1" if v is True else "0" for v in rule.get("values", []) if isinstance(v, bool)}
    return sum(n for v, n in totals.get(source.id, {}).items() if v in wanted)


def _answers(
    session: Session,
    questions: list[Question],
    skip: set[int],
    view: View,
    lang: str,
    known: dict[int, list[series.Row]],
) -> list[dict[str, Any]]:
    """The count at each answer of every scored and checklist question not shown elsewhere."""
    by_key = {q.key: q for q in questions}
    totals: dict[int, dict[str, int]] = {}
    out = []
    for f, q in zip(fields(questions, lang), questions, strict=True):
        if q.id is None or q.id in skip or q.kind == "text":
            continue
        rows = known.get(q.id)
        if rows is None:
            rows = queries.answer_counts(session, question_id=q.id, filters=view.filters)
        totals[q.id] = series.distribution(rows, sorted({r[2] for r in rows}))
        values = [
            ("1" if c.value == "true" else "0" if c.value == "false" else c.value, c.label)
            for c in f.choices
        ]
        bars = views.distribution(rows, values)
        base = _base_of(q, by_key, totals) if q.kind == "multi" else None
        out.append({"field": f, "question": q, "bars": bars, "base": base, "rows": rows})
    return out


def _effects(
    session: Session, survey: Survey, question: Question, view: View, lang: str
) -> list[effects.Effect]:
    assert question.id is not None
    today = utcnow().date()
    out = []
    for event in queries.change_events(session, service_id=survey.service_id, filters=view.filters):
        span = effects.window(event.day, today)
        before = queries.answer_counts(
            session, question_id=question.id, filters=view.filters,
            since=span.before_since, until=span.before_until,
        )  # fmt: skip
        after = queries.answer_counts(
            session, question_id=question.id, filters=view.filters,
            since=span.after_since, until=span.after_until,
        )  # fmt: skip
        out.append(
            effects.effect(event.day, pick(event.label, lang), span, before, after, question.kind)
        )
    return out


async def survey_detail(request: Request) -> Response:
    """GET /dashboard/surveys/{survey}: trend per channel with bands, control limits, changes."""
    lang = language(request)
    user: StaffUser = request.state.user
    view = read_view(request, lang)
    f = view.filters
    names = channel_names(lang)
    modes = {c: ch.mode for c, ch in CHANNELS.items()}
    labels = chart_labels(lang)
    with db(request) as session:
        survey = survey_or_404(session, request)
        service = session.get(Service, survey.service_id)
        questions = surveys.questions_of(session, survey.id)
        question = surveys.headline_question(questions)
        drivers = {d for d, _ in rollups.driver_pairs(questions)}
        volume: dict[str, int] = {}
        for _, _, channel, n in queries.response_counts(session, survey_ids=[survey.id], filters=f):
            volume[channel] = volume.get(channel, 0) + n
        context: dict[str, Any] = {
            "survey": survey,
            "service": service,
            "question": question,
            "view": view,
            "filters": f,
            "grain": view.grain,
            "errors": view.errors,
            "touchpoints": queries.touchpoints(session, survey_id=survey.id),
            "channel_choices": survey.channels,
            "volume": volume,
            "has_drivers": bool(drivers),
            "can_edit": can_edit(user, survey.service_id),
            "walk": comments.WALK,
            "comments": comments.latest(
                session, survey_id=survey.id, filters=f,
                headline_id=question.id if question else None,
            ),
        }  # fmt: skip
        known: dict[int, list[series.Row]] = {}
        if question is not None and question.id is not None:
            rows = queries.answer_counts(
                session, question_id=question.id, filters=f, grain=view.grain
            )
            known[question.id] = rows
            trend = series.by_channel(
                rows, question.kind, since=f.since, until=f.until, grain=view.grain
            )
            start, before, end, days = views.windows(f.since, f.until)
            now = queries.answer_counts(
                session, question_id=question.id, filters=f, since=start, until=end
            )
            then = queries.answer_counts(
                session,
                question_id=question.id,
                filters=f,
                since=before,
                until=start - timedelta(days=1),
            )
            change = views.compare(now, then, question.kind)
            found = _effects(session, survey, question, view, lang)
            controls = control.control_charts(trend)
            context["signals"] = [
                (key, p, cp) for key, chart in controls.items() for p, cp in chart.signals
            ]
            marks = [(e.day, e.label) for e in found]
            score = views.score(rows, question.kind)
            context.update(
                score=score,
                score_enough=metrics.enough_data(score),
                change=change,
                change_days=days,
                effects=found,
                overall=trend.get(series.ALL, []),
                trend=trend,
                controls=controls,
                modes=views.by_mode(rows, question.kind, volume),
                fig_overall=figures.trend_overall(trend.get(series.ALL, []), labels, lang, marks),
                fig_channels=figures.trend_by_channel(trend, names, modes, labels, lang),
                fig_control=control.figure(controls, names, labels, lang),
            )
        answered = _answers(session, questions, drivers, view, lang, known)
        context["score_labels"] = score_labels(questions, question, lang)
        context["answers"] = answered
        for item in answered:
            kind = item["question"].kind
            if kind == "nps":
                context.setdefault("nps", metrics.nps(views.counts(item["rows"])))
            elif kind == "ces7":
                context.setdefault("ces", metrics.ces(views.counts(item["rows"])))
        if volume:
            context["fig_volume"] = figures.volume_by_channel(volume, names, modes, labels)
    return page(request, "dashboard/survey.html", context, lang)


routes = [
    Route("/dashboard", requires(*auth.DASHBOARD_ROLES)(overview)),
    Route("/dashboard/surveys/{survey}", requires(*auth.DASHBOARD_ROLES)(survey_detail)),
]
