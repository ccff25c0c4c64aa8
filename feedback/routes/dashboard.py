"""Managers' dashboards: the overview of every survey, and one survey in detail."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import plotly
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from dashboards import figures, series, views
from feedback import auth, metrics, queries, surveys
from feedback.catalog import CHANNELS, LANGUAGES
from feedback.forms import fields
from feedback.i18n import gettext_for, pick
from feedback.models import Service, StaffUser, utcnow
from feedback.routes.base import db, language, render, requires

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
OVERVIEW_DAYS = (30, 90, 365)


def _visible_services(user: StaffUser) -> list[str] | None:
    return None if user.role == "admin" else list(user.service_ids)


def _labels(lang: str) -> dict[str, str]:
    _ = gettext_for(lang).gettext
    return {
        "score": _("Score"),
        "period": _("Period"),
        "band": _("95% interval"),
        "not_enough": _("Not enough data to conclude"),
        "responses": _("Responses"),
    }


async def overview(request: Request) -> Response:
    """GET /dashboard: each survey's score, interval, change, trend and volume."""
    lang = language(request)
    user: StaffUser = request.state.user
    try:
        days = int(request.query_params.get("days", "90"))
    except ValueError:
        days = 90
    days = days if days in OVERVIEW_DAYS else 90
    today = utcnow().date()
    filters = queries.Filters.last_days(days, today)
    history = queries.Filters(since=today - timedelta(days=max(2 * days, 26 * 7)), until=today)
    cards = []
    with db(request) as session:
        for survey in surveys.all_surveys(session, _visible_services(user)):
            if survey.status == "draft":
                continue
            question = surveys.headline_question(surveys.questions_of(session, survey.id))
            service = session.get(Service, survey.service_id)
            volume = sum(
                n
                for _, _, n in queries.daily_responses(
                    session, survey_id=survey.id, filters=filters
                )
            )
            card: dict[str, Any] = {
                "survey": survey,
                "service": service,
                "question": question,
                "volume": volume,
                "headline": None,
                "spark": None,
            }
            if question is not None:
                assert question.id is not None
                rows = queries.daily_answers(session, question_id=question.id, filters=history)
                card["headline"] = views.headline(
                    rows, question.kind, since=filters.since, until=filters.until
                )
                weekly = series.by_channel(
                    rows,
                    question.kind,
                    since=today - timedelta(weeks=25),
                    until=today,
                    grain="week",
                ).get(series.ALL, [])
                card["spark"] = views.sparkline(weekly)
            cards.append(card)
    context = {
        "cards": cards,
        "days": days,
        "choices": OVERVIEW_DAYS,
        "plotly_skip_id": plotly_map_style_id(),
    }
    return render(request, "dashboard/overview.html", context, lang=lang)


def _date_param(request: Request, name: str, default: date, errors: list[str], lang: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        _ = gettext_for(lang).gettext
        errors.append(
            _("“%(value)s” is not a date. Use the form 2026-01-31.") % {"value": raw[:20]}
        )
        return default


def _filters(request: Request, lang: str) -> tuple[queries.Filters, str, list[str]]:
    """Read the shared filters from the query string; bad values fall back with a message."""
    errors: list[str] = []
    today = utcnow().date()
    until = _date_param(request, "until", today, errors, lang)
    since = _date_param(request, "since", until - timedelta(days=364), errors, lang)
    if since > until:
        _ = gettext_for(lang).gettext
        errors.append(
            _("The start date is after the end date; showing the year before the end date.")
        )
        since = until - timedelta(days=364)
    channels = tuple(c for c in request.query_params.getlist("channel") if c in CHANNELS)
    languages = tuple(v for v in request.query_params.getlist("language") if v in LANGUAGES)
    touchpoint = (request.query_params.get("touchpoint") or "").strip()[:100] or None
    grain = request.query_params.get("grain", "month")
    grain = grain if grain in ("week", "month") else "month"
    return queries.Filters(since, until, channels, languages, touchpoint), grain, errors


async def survey_detail(request: Request) -> Response:
    """GET /dashboard/surveys/{survey}: trend per channel with bands, volume, answers, comments."""
    lang = language(request)
    user: StaffUser = request.state.user
    filters, grain, errors = _filters(request, lang)
    names = {c: pick(ch.label, lang) for c, ch in CHANNELS.items()}
    modes = {c: ch.mode for c, ch in CHANNELS.items()}
    labels = _labels(lang)
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        if survey is None or not auth.can_see_service(user, survey.service_id):
            raise HTTPException(404)
        service = session.get(Service, survey.service_id)
        questions = surveys.questions_of(session, survey.id)
        question = surveys.headline_question(questions)
        volume: dict[str, int] = {}
        for _, channel, n in queries.daily_responses(session, survey_id=survey.id, filters=filters):
            volume[channel] = volume.get(channel, 0) + n
        distributions = []
        for f, q in zip(fields(questions, lang), questions, strict=True):
            if q.kind in series.VALID and q.id is not None:
                rows = queries.daily_answers(session, question_id=q.id, filters=filters)
                values = [
                    ("1" if c.value == "true" else "0" if c.value == "false" else c.value, c.label)
                    for c in f.choices
                ]
                distributions.append((f, views.distribution(rows, values)))
        context: dict = {
            "plotly_skip_id": plotly_map_style_id(),
            "survey": survey,
            "service": service,
            "question": question,
            "filters": filters,
            "grain": grain,
            "errors": errors,
            "touchpoints": queries.touchpoints(session, survey_id=survey.id),
            "volume": volume,
            "distributions": distributions,
            "comments": queries.latest_comments(session, survey_id=survey.id, filters=filters),
        }
        if question is not None and question.id is not None:
            rows = queries.daily_answers(session, question_id=question.id, filters=filters)
            trend = series.by_channel(
                rows, question.kind, since=filters.since, until=filters.until, grain=grain
            )
            change, change_days = views.recent_change(
                rows, question.kind, since=filters.since, until=filters.until
            )
            events = queries.change_events(session, service_id=survey.service_id, filters=filters)
            marks = [(e.day, pick(e.label, lang)) for e in events]
            context.update(
                score=views.score(rows, question.kind),
                score_enough=metrics.enough_data(views.score(rows, question.kind)),
                change=change,
                change_days=change_days,
                events=marks,
                overall=trend.get(series.ALL, []),
                trend=trend,
                modes=views.by_mode(rows, question.kind, volume),
                fig_overall=figures.trend_overall(trend.get(series.ALL, []), labels, lang, marks),
                fig_channels=figures.trend_by_channel(trend, names, modes, labels, lang),
            )
        if volume:
            context["fig_volume"] = figures.volume_by_channel(volume, names, modes, labels)
    return render(request, "dashboard/survey.html", context, lang=lang)


_RULE = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")')


@cache
def plotly_css() -> str:
    """plotly.js's global style rules as a stylesheet, read from the installed bundle.

    plotly.js inserts these rules with a <style> element, which a CSP without
    'unsafe-inline' blocks; served as a file and marked with the id and class plotly.js
    looks for, they apply and plotly.js skips its own insertion.
    """
    source = PLOTLY_JS.read_text(encoding="utf-8")
    start = source.find('{"X,X div"')
    end = source.find("};for(", start)
    if start < 0 or end < 0:
        return ""  # a plotly.js of another shape: charts still draw, only less styled
    rules = []
    for key, single, double in _RULE.findall(source[start + 1 : end]):
        selector = key.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{single or double}}}")
    return "\n".join(rules) + "\n"


@cache
def plotly_map_style_id() -> str:
    """The id of the map stylesheet plotly.js inserts at load unless an element has it.

    Dashboards draw no maps; an empty element with this id spares a blocked inline style.
    """
    source = PLOTLY_JS.read_text(encoding="utf-8")
    found = re.search(
        r'getElementById\("([0-9a-f]{32,})"\)\)\{var \w+=document\.createElement\("style"\)', source
    )
    return found.group(1) if found else ""


async def plotly_stylesheet(request: Request) -> Response:
    """plotly.js's own CSS, so dashboards need no inline styles."""
    return Response(
        plotly_css(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def plotly_js(request: Request) -> Response:
    """plotly.js from the installed plotly package; never from a CDN."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


routes = [
    Route("/dashboard", requires(*auth.DASHBOARD_ROLES)(overview)),
    Route("/dashboard/surveys/{survey}", requires(*auth.DASHBOARD_ROLES)(survey_detail)),
    Route("/static/vendor/plotly.min.js", plotly_js),
    Route("/static/vendor/plotly.css", plotly_stylesheet),
]
