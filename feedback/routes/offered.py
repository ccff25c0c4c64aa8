"""What a citizen's link may use: only a channel its survey is offered on, and test answers
only with a staff preview's token. Nothing is ever stored under another channel instead."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from feedback.answers import test_answers
from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for
from feedback.core.models import Survey
from feedback.routes.base import render


def offered_channel(survey: Survey, requested: str | None) -> str | None:
    """The channel a link names (web when it names none) if the survey is offered on it.

    None otherwise: the answers are never stored under another channel instead.
    """
    channel = requested or "web"
    return channel if channel in CHANNELS and channel in survey.channels else None


def not_offered_page(
    request: Request, lang: str, headers: dict[str, str] | None = None
) -> Response:
    """404: the link names a channel (or a kiosk) the survey is not offered on."""
    message = gettext_for(lang).gettext(
        "This link is not set up for this survey. Ask the service for the right link."
    )
    context = {"status": 404, "message": message}
    return render(request, "errors.html", context, lang=lang, status_code=404, headers=headers)


def is_test(request: Request, survey: Survey, token: str | None) -> bool:
    """True for answers from a staff preview (a valid preview token for this survey)."""
    return test_answers.read_token(request.app.state.secret, token, survey.id)
