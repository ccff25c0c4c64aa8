"""Public scorecards (opt-in per service): scores with their intervals and the changes made.

Public pages: no login, no cookie, never a comment; any figure based on fewer answers than
the scorecard_min_count setting is withheld.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.core import local_time
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Question, Service
from feedback.insight import scorecards
from feedback.routes.base import db, language, public, render


def describe(question: Question, lang: str) -> str:
    """What the score counts, in plain words, from the question's own answer labels."""
    _ = gettext_for(lang).gettext
    labels = {str(p["id"]): pick(p.get("label"), lang) for p in question.scale}
    if question.kind == "rating5" and labels.get("4") and labels.get("5"):
        return _("Share of people who answered “%(a)s” or “%(b)s”") % {
            "a": labels["4"],
            "b": labels["5"],
        }
    if question.kind == "yes_no":
        return _("Share of people who answered “%(a)s”") % {"a": labels.get("true") or _("Yes")}
    if question.kind == "nps":
        # The same headline as the dashboards: the NPS itself, not the share of 9 and 10.
        return _(
            "Net Promoter Score, from −100 to 100: the share of people who chose 9 or 10 out of "
            "10, minus the share who chose 0 to 6,"
        )
    if question.kind == "ces7":
        return _("Share of people who chose 5, 6 or 7 out of 7")
    return _("Share of people who chose 4 or 5 out of 5")


@public("scorecards that services chose to publish")
async def index(request: Request) -> Response:
    """GET /scorecard: the services that publish a scorecard."""
    lang = language(request)
    with db(request) as session:
        services = scorecards.public_services(session)
    return render(request, "scorecard.html", {"services": services, "card": None}, lang=lang)


@public("a scorecard that its service chose to publish")
async def service_card(request: Request) -> Response:
    """GET /scorecard/{service}: one service's scorecard, if it chose to publish one."""
    lang = language(request)
    with db(request) as session:
        service = session.get(Service, request.path_params["service"][:40])
        if service is None or not service.public_scorecard:
            raise HTTPException(404)
        card = scorecards.scorecard(
            session,
            service=service,
            today=local_time.today(service.time_zone),
            minimum=request.app.state.settings.scorecard_min_count,
        )
    context = {
        "card": card,
        "services": [],
        "minimum": request.app.state.settings.scorecard_min_count,
        "describe": lambda q: describe(q, lang),
    }
    return render(request, "scorecard.html", context, lang=lang)


routes = [
    Route("/scorecard", index),
    Route("/scorecard/{service}", service_card),
]
