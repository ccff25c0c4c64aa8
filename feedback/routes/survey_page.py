"""One survey in detail: its headline, the trend per channel with partial periods marked,
control charts judged against calendar baselines, what each dated change did, the answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from dashboards import control, effects, figures, panels, payload, series, views
from feedback.core import local_time
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import pick
from feedback.core.models import Question, Service, StaffUser, Survey
from feedback.insight import comments, metrics, queries, rollups
from feedback.reach import report as reach_report
from feedback.routes.base import db, language
from feedback.routes.dashboard_kit import (
    figure_labels,
    measure_labels,
    respond,
    share_labels,
    verdict_labels,
    whole_days,
)
from feedback.routes.filtering import (
    View,
    can_edit,
    channel_names,
    read_view,
    score_labels,
    survey_or_404,
)
from feedback.surveys import definitions as surveys
from feedback.surveys.forms import fields


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
    session: Session, survey: Survey, question: Question, view: View, lang: str, today: date
) -> list[effects.Effect]:
    assert question.id is not None
    out = []
    for event in queries.change_events(session, service_id=survey.service_id, filters=view.filters):
        span = effects.window(event.day, today)
        before = queries.answer_counts(
            session, question_id=question.id, filters=view.filters,
            since=span.before_since, until=span.before_until,
        )  # fmt: skip
        after = (
            queries.answer_counts(
                session,
                question_id=question.id,
                filters=view.filters,
                since=span.after_since,
                until=span.after_until,
            )  # fmt: skip
            if span.after_until >= span.after_since and span.after_since < today
            else []
        )
        out.append(
            effects.effect(event.day, pick(event.label, lang), span, before, after, question.kind)
        )
    return out


def _scored(
    session: Session, survey: Survey, question: Question, view: View, lang: str, today: date
) -> dict[str, Any]:
    """Everything the page says about the headline question, and its JSON."""
    assert question.id is not None
    f, grain = view.filters, view.grain
    rows = queries.answer_counts(session, question_id=question.id, filters=f, grain=grain)
    trend = series.by_channel(
        rows, question.kind, since=f.since, until=f.until, grain=grain, today=today
    )
    first = control.history_since(f.since, grain)
    past_rows = queries.answer_counts(
        session, question_id=question.id, filters=f, grain=grain, since=first, until=f.until
    )
    history = series.by_channel(
        past_rows, question.kind, since=first, until=f.until, grain=grain, today=today
    )
    controls = control.control_charts(trend, history, grain, len(survey.channels))
    end = views.last_whole_day(f.until, today)
    start, before, _, days = views.windows(min(f.since, end), end)
    now = queries.answer_counts(session, question_id=question.id, filters=f, since=start, until=end)
    then = queries.answer_counts(
        session, question_id=question.id, filters=f, since=before, until=start - timedelta(days=1)
    )
    change = views.compare(now, then, question.kind)
    found = _effects(session, survey, question, view, lang, today)
    judged = views.judge_all([change.change] + [e.change for e in found])
    change = replace(change, change=judged[0])
    found = [replace(e, change=c) for e, c in zip(found, judged[1:], strict=True)]
    modes = []
    for mode in ("self_service", "assisted"):
        inside = [r for r in rows if CHANNELS.get(r[1]) and CHANNELS[r[1]].mode == mode]
        if inside:
            modes.append((mode, views.measure(inside, question.kind)))
    score = views.measure(rows, question.kind)
    context = {
        "score": score,
        "change": change,
        "change_days": days,
        "change_window": (before, start, end),
        "effects": found,
        "overall": trend.get(series.ALL, []),
        "trend": trend,
        "controls": controls,
        "modes": modes,
        "family_size": sum(1 for c in judged if c.enough),
    }
    data = {
        "score": payload.measure(score),
        "change": {
            "now": [start.isoformat(), end.isoformat()],
            "before": [before.isoformat(), (start - timedelta(days=1)).isoformat()],
            "score_before": payload.measure(change.previous),
            "score_now": payload.measure(change.current),
            **payload.change(change.change),
        },
        "effects": [
            {
                "day": e.day.isoformat(),
                "label": e.label,
                "before": payload.measure(e.before),
                "after": payload.measure(e.after),
                "change": payload.change(e.change),
                "after_days": e.window.after_days,
            }
            for e in found
        ],  # fmt: skip
        "family": payload.family(judged),
        "trend": payload.series(trend),
        "control": payload.control(controls),
        "modes": {m: payload.measure(s) for m, s in modes},
    }
    return {"context": context, "data": data, "rows": rows}


async def survey_detail(request: Request) -> Response:
    """GET /dashboard/surveys/{survey}: trend per channel with bands, control limits, changes."""
    lang = language(request)
    user: StaffUser = request.state.user
    names = channel_names(lang)
    modes = {c: ch.mode for c, ch in CHANNELS.items()}
    labels = figure_labels(lang)
    with db(request) as session:
        survey = survey_or_404(session, request)
        service = session.get(Service, survey.service_id)
        zone = service.time_zone if service else local_time.DEFAULT_ZONE
        today = local_time.today(zone)
        view = whole_days(request, read_view(request, lang), today, 365)
        f = view.filters
        questions = surveys.questions_of(session, survey.id)
        question = surveys.headline_question(questions)
        drivers = {d for d, _ in rollups.driver_pairs(questions)}
        volume: dict[str, int] = {}
        for _, _, channel, n in queries.response_counts(session, survey_ids=[survey.id], filters=f):
            volume[channel] = volume.get(channel, 0) + n
        context: dict[str, Any] = {
            "survey": survey, "service": service, "question": question, "view": view,
            "filters": f, "grain": view.grain, "errors": view.errors, "zone": zone,
            "today": today,
            "touchpoints": queries.touchpoints(session, survey_id=survey.id),
            "channel_choices": survey.channels, "volume": volume, "has_drivers": bool(drivers),
            "can_edit": can_edit(user, survey.service_id), "walk": comments.WALK,
            "comments": comments.latest(
                session, survey_id=survey.id, filters=f,
                headline_id=question.id if question else None,
            ),
            "measure_labels": measure_labels(lang), "verdicts": verdict_labels(lang),
            "share_label": share_labels(lang).get(question.kind, "") if question else "",
        }  # fmt: skip
        data: dict[str, Any] = {
            "view": "survey", "survey": survey.id, "time_zone": zone,
            "since": f.since.isoformat(), "until": f.until.isoformat(), "grain": view.grain,
            "question_kind": question.kind if question else None, "responses": volume,
        }  # fmt: skip
        reach = reach_report.survey(
            session, survey=survey, filters=f, grain=view.grain, question=question
        )
        context["reach"], data["reach"] = reach, reach_report.survey_json(reach)
        known: dict[int, list[series.Row]] = {}
        if question is not None and question.id is not None and question.kind in series.VALID:
            found = _scored(session, survey, question, view, lang, today)
            known[question.id] = found["rows"]
            context.update(found["context"])
            data.update(found["data"])
            marks = [(e.day, e.label) for e in context["effects"]]
            chart_words = {**labels, "score": context["share_label"]}
            trend = context["trend"]
            context.update(
                fig_overall=figures.trend_overall(
                    trend.get(series.ALL, []), chart_words, lang, marks
                ),
                fig_channels=panels.trend_by_channel(trend, names, modes, chart_words, lang),
                fig_control=control.figure(context["controls"], names, chart_words, lang),
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
    return respond(request, "dashboard/survey.html", context, data, lang)
