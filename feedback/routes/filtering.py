"""What the dashboard views share: reading the filters from the URL, names, access checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from feedback.core import days, local_time
from feedback.core.catalog import CHANNELS, DRIVERS, LANGUAGES, MODE_LABELS
from feedback.core.i18n import N_, gettext_for, pick
from feedback.core.models import Question, StaffUser, Survey
from feedback.insight import queries
from feedback.routes.base import render
from feedback.routes.plotly_assets import plotly_map_style_id
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys.forms import fields

# Charts may be saved as PNG: plotly.js draws the image from data: and blob: URLs.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": DASHBOARD_CSP}


def page(request: Request, template: str, context: dict[str, Any], lang: str) -> Response:
    """Render a dashboard page with the CSP that lets charts be downloaded."""
    context.setdefault("plotly_skip_id", plotly_map_style_id())
    return render(request, template, context, lang=lang, headers=dict(HEADERS))


# Roles that may change what dashboards show (change events, hiding comments).
EDIT_ROLES: tuple[str, ...] = ("admin", "manager")
FILTER_KEYS = ("since", "until", "channel", "language", "touchpoint", "grain")

DRIVER_NAMES: dict[str, str] = {
    "satisfaction": N_("Satisfaction"),
    "trust": N_("Trust"),
    "ease": N_("Ease"),
    "efficiency": N_("Efficiency"),
    "timeliness": N_("Timeliness"),
    "effectiveness": N_("Effectiveness"),
    "fairness": N_("Fair treatment"),
    "courtesy": N_("Courtesy"),
    "knowledge": N_("Knowledgeable staff"),
    "employee": N_("Helpful staff"),
    "outcome": N_("Outcome"),
    "recommend": N_("Recommendation"),
    "task_completion": N_("Task completed"),
    "findability": N_("Found what they needed"),
}
assert set(DRIVER_NAMES) <= set(DRIVERS)


@dataclass(frozen=True)
class View:
    """The filters of a dashboard view as read from the URL, and what was wrong with them."""

    filters: queries.Filters
    grain: str
    errors: list[str] = field(default_factory=list)

    def query(self, lang: str, **extra: str) -> str:
        """The query string that reproduces these filters (for links between views)."""
        f = self.filters
        pairs: list[tuple[str, str]] = [("lang", lang)]
        pairs += [("since", f.since.isoformat()), ("until", f.until.isoformat())]
        pairs += [("channel", c) for c in f.channels]
        pairs += [("language", v) for v in f.languages]
        if f.touchpoint:
            pairs.append(("touchpoint", f.touchpoint))
        pairs.append(("grain", self.grain))
        pairs += list(extra.items())
        return urlencode(pairs)


def _date_param(request: Request, name: str, default: date, errors: list[str], lang: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return days.parse_day(raw)
    except days.DayError as error:  # not a day, or one no period can be built around
        errors.append(days.message(error, raw, lang))
        return default


def read_view(
    request: Request,
    lang: str,
    *,
    days: int = 365,
    grain: str = "month",
    today: date | None = None,
) -> View:
    """Read the shared filters from the query string; bad values fall back with a message.

    `today` is the page's local day (its service's zone); the operator's default zone if
    not given, so a default window never ends on another calendar's day.
    """
    errors: list[str] = []
    today = today or local_time.today(request.app.state.settings.time_zone)
    until = _date_param(request, "until", today, errors, lang)
    since = _date_param(request, "since", until - timedelta(days=days - 1), errors, lang)
    if since > until:
        _ = gettext_for(lang).gettext
        errors.append(
            _("The start date is after the end date; showing the %(n)s days before the end date.")
            % {"n": days}
        )
        since = until - timedelta(days=days - 1)
    if (until - since).days > 3660:
        _ = gettext_for(lang).gettext
        errors.append(_("Choose at most ten years; showing the ten years before the end date."))
        since = until - timedelta(days=3660)
    channels = tuple(c for c in request.query_params.getlist("channel") if c in CHANNELS)
    languages = tuple(v for v in request.query_params.getlist("language") if v in LANGUAGES)
    touchpoint = (request.query_params.get("touchpoint") or "").strip()[:100] or None
    chosen = request.query_params.get("grain", grain)
    chosen = chosen if chosen in queries.GRAINS else grain
    return View(queries.Filters(since, until, channels, languages, touchpoint), chosen, errors)


def visible_services(user: StaffUser) -> list[str] | None:
    """The services a user's dashboards cover (None: all of them)."""
    return None if user.role == "admin" else list(user.service_ids)


def can_edit(user: StaffUser, service_id: str) -> bool:
    """Admins, and managers of the service, may add changes and hide comments."""
    return user.role in EDIT_ROLES and auth.can_see_service(user, service_id)


def survey_or_404(session: Session, request: Request) -> Survey:
    """The survey in the path, if the user may see its service; else a 404."""
    survey = surveys.get_survey(session, request.path_params["survey"])
    user: StaffUser = request.state.user
    if survey is None or not auth.can_see_service(user, survey.service_id):
        raise HTTPException(404)
    return survey


def channel_names(lang: str) -> dict[str, str]:
    """Every channel's name in `lang`, plus "all" for all channels together."""
    names = {c: pick(ch.label, lang) for c, ch in CHANNELS.items()}
    names["all"] = gettext_for(lang).gettext("All channels")
    return names


def mode_names(lang: str) -> dict[str, str]:
    """Self-service and assisted, named in `lang`."""
    return {mode: pick(text, lang) for mode, text in MODE_LABELS.items()}


def driver_name(driver: str | None, fallback: str, lang: str) -> str:
    """A driver's short name in `lang`, or `fallback` (the question) for an unknown tag."""
    if driver in DRIVER_NAMES:
        return gettext_for(lang).gettext(DRIVER_NAMES[driver])
    return fallback


def score_labels(questions: list[Question], question: Question | None, lang: str) -> dict[str, str]:
    """The headline question's answer labels by stored value ("5", "1" for yes)."""
    for f, q in zip(fields(questions, lang), questions, strict=True):
        if question is not None and q.id == question.id:
            return {
                ("1" if c.value == "true" else "0" if c.value == "false" else c.value): c.label
                or c.value
                for c in f.choices
            }
    return {}


def chart_labels(lang: str) -> dict[str, str]:
    """The words figures use, in `lang`."""
    _ = gettext_for(lang).gettext
    return {
        "score": _("Score"),
        "period": _("Period"),
        "band": _("95% interval"),
        "not_enough": _("Not enough data to conclude"),
        "responses": _("Responses"),
        "limits": _("Control limits"),
        "centre": _("Centre line"),
        "signal": _("Outside the limits"),
        "performance": _("Performance"),
        "importance": _("Importance"),
        "work_first": _("Work on first: matters most, scores lowest"),
        "keep_up": _("Strengths: matters most, scores well"),
        "gap": _("Assisted minus self-service"),
        "gap_axis": _("Gap (points)"),
        "significant": _("significant"),
        "within_noise": _("within noise"),
        "share": _("Share of responses"),
        "first_try": _("No, first try"),
        "tried_first": _("Tried first"),
        "ended_on": _("Answered on"),
        "too_few": _("too few"),
    }
