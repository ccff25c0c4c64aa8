"""What the dashboard pages share beyond filters: the words for figures and claims, the
service's local day, whole-day windows, and answering `?format=json` with the page's figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from feedback.core import local_time
from feedback.core.i18n import gettext_for
from feedback.core.models import Service
from feedback.routes.filtering import View, chart_labels, page

# Where each page's figures are explained (docs/statistics.md, served at /dashboard/statistics).
METHODS = "/dashboard/statistics"


def wants_json(request: Request) -> bool:
    """True when the view was asked for as JSON (?format=json)."""
    return request.query_params.get("format") == "json"


def respond(
    request: Request, template: str, context: dict[str, Any], data: dict[str, Any], lang: str
) -> Response:
    """The page, or with ?format=json the figures it shows (built from the same objects)."""
    if wants_json(request):
        return JSONResponse(data)
    context.setdefault("methods", METHODS)
    return page(request, template, context, lang)


def zone_of(session: Session, service_ids: list[str]) -> str:
    """The time zone a page's days are read in: its services' zone (the first one's if they
    differ, as a page has one calendar)."""
    for service_id in service_ids:
        service = session.get(Service, service_id)
        if service is not None:
            return service.time_zone or local_time.DEFAULT_ZONE
    return local_time.DEFAULT_ZONE


def whole_days(request: Request, view: View, today: date, days: int) -> View:
    """A default window of `days` whole local days ending yesterday (today is not over);
    dates given in the URL are kept as they are."""
    f = view.filters
    until = f.until if request.query_params.get("until") else today - timedelta(days=1)
    since = f.since if request.query_params.get("since") else until - timedelta(days=days - 1)
    if since > until:
        since = until
    return replace(view, filters=replace(f, since=since, until=until))


def measure_labels(lang: str) -> dict[str, str]:
    """What each kind of headline number is, in `lang`."""
    _ = gettext_for(lang).gettext
    return {
        "top2": _("Satisfied: answered 4 or 5 out of 5 (%)"),
        "yes": _("Answered yes (%)"),
        "nps": _("Net Promoter Score (−100 to 100)"),
        "easy": _("Found it easy: answered 5 to 7 out of 7 (%)"),
    }


def share_labels(lang: str) -> dict[str, str]:
    """The share each kind's trend and control charts draw, in `lang`."""
    _ = gettext_for(lang).gettext
    return {
        "rating5": _("Share answering 4 or 5 out of 5"),
        "yes_no": _("Share answering yes"),
        "nps": _("Share answering 9 or 10 out of 10 (promoters)"),
        "ces7": _("Share answering 5 to 7 out of 7 (found it easy)"),
    }


def verdict_labels(lang: str) -> dict[str, str]:
    """What a change may claim, in `lang`."""
    _ = gettext_for(lang).gettext
    return {
        "significant": _("significant"),
        "within_noise": _("within noise"),
        "not_enough_data": _("not enough data"),
        "no_data": _("no earlier data"),
    }


def figure_labels(lang: str) -> dict[str, str]:
    """chart_labels plus the words for partial periods and unjudged ones."""
    _ = gettext_for(lang).gettext
    labels = chart_labels(lang)
    labels.update(
        partial=_("Partial period (not over, or cut by the dates)"),
        not_judged=_("Not judged"),
        signal=_("Outside the expected range"),
        not_enough=_("not enough data"),
        heat_scale=_("Share of good answers"),
        heat_mid=_("survey overall"),
    )
    return labels
