"""Reading a request and answering with a page: the language, a database session, ids in the
path, links, times as people read them, and rendering with the helpers every template uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from feedback.answers import intake
from feedback.core.catalog import CHANNELS, LANGUAGES, MODE_LABELS
from feedback.core.db import session_scope
from feedback.core.i18n import gettext_for, negotiate, other_language, pick
from feedback.core.models import Survey
from feedback.core.numbers import whole_number
from feedback.core.times import as_utc
from feedback.surveys import definitions as surveys
from feedback.surveys import first_steps


def language(request: Request, available: tuple[str, ...] | list[str] = LANGUAGES) -> str:
    """The request's language: `lang=` first, then Accept-Language, then English."""
    return negotiate(
        request.query_params.get("lang"), request.headers.get("accept-language"), available
    )


def form_language(request: Request, form: Any = None) -> str:
    """A form's `lang` field when it names a language we speak, else the request's language."""
    wanted = str(form.get("lang") or "") if form is not None else ""
    return wanted if wanted in LANGUAGES else language(request)


@contextmanager
def db(request: Request) -> Iterator[Session]:
    """A database session for this request, committed when the block ends."""
    with session_scope(request.app.state.engine) as session:
        yield session


def path_id(request: Request, name: str = "id") -> int:
    """The id in the path; 404 for anything that is not an id a database column holds."""
    found = whole_number(request.path_params[name], lo=1)
    if found is None:
        raise HTTPException(404)
    return found


def url_with(request: Request, **changes: str | None) -> str:
    """The current path with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return request.url.path + ("?" + urlencode(params) if params else "")


def when(moment: datetime, lang: str) -> str:
    """A time as people read it: in its own zone when it has one (a service's, named by its
    city), else UTC (stored instants)."""
    zone = getattr(moment.tzinfo, "key", None)
    if zone and zone != "UTC":
        place = zone.rsplit("/", 1)[-1].replace("_", " ")
        text = format_datetime(moment, format="d MMM y, HH:mm", tzinfo=moment.tzinfo, locale=lang)
        return f"{text} ({place})"
    return format_datetime(as_utc(moment), format="d MMM y, HH:mm 'UTC'", tzinfo=UTC, locale=lang)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    lang: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a page in `lang`, with the helpers every template uses."""
    translations = gettext_for(lang)

    def _(message: str, **variables: Any) -> str:
        text = translations.gettext(message)
        return text % variables if variables else text

    helpers = {
        "lang": lang,
        "other_lang": other_language(lang),
        "gettext": _,
        "_": _,
        "pick": lambda text: pick(text, lang),
        "channel_label": lambda cid: pick(CHANNELS[cid].label, lang) if cid in CHANNELS else cid,
        "mode_label": lambda mode: pick(MODE_LABELS[mode], lang),  # type: ignore[index]
        "pct": lambda value, digits=0: (
            format_percent(
                value, format="#,##0" + ("." + "0" * digits if digits else "") + " %", locale=lang
            )
            if value is not None
            else "–"
        ),
        "num": lambda value, digits=0: format_decimal(
            value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=lang
        ),
        "date": lambda d, fmt="medium": format_date(d, format=fmt, locale=lang),
        "datetime": lambda d: when(d, lang),
        "url_with": lambda **kw: url_with(request, **kw),
        "user": getattr(request.state, "user", None),
        "csrf_token": request.session.get("csrf_token") if "session" in request.scope else None,
        "next_step": lambda survey_id=None: next_step(request, survey_id),  # on empty pages
    }
    return request.app.state.templates.TemplateResponse(
        request, template, {**helpers, **context}, status_code=status_code, headers=headers
    )


def next_step(request: Request, survey_id: str | None = None) -> first_steps.NextStep | None:
    """What the signed-in person (or one survey) should do next, if a first step is open."""
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    with db(request) as session:
        if survey_id is not None:
            return first_steps.for_survey(session, user=user, survey_id=survey_id)
        return first_steps.next_step(session, user=user)


def open_survey(
    request: Request, session: Session
) -> tuple[Survey | None, str, intake.Rejected | None]:
    """The survey named in the path, the language to answer in, and why it is not open, if so."""
    survey = surveys.get_survey(session, request.path_params["survey"])
    lang = language(request, survey.languages if survey else LANGUAGES)
    try:
        return intake.check_open(survey, lang), lang, None
    except intake.Rejected as error:
        return survey, lang, error
