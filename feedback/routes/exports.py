"""Staff downloads: a survey's responses as CSV, XLSX or JSON, streamed, with the dashboard's
filters as GET parameters; and the A-11 quarterly summary as a page and as CSV.

Viewers may export too: they can already read every answer and comment on the dashboards,
and an export shows no more (hidden comments are never exported).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from feedback.core import days, local_time
from feedback.core.catalog import CHANNELS, LANGUAGES
from feedback.core.db import session_scope
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import StaffUser, utcnow
from feedback.insight import export, summaries
from feedback.routes.base import db, language, render, requires
from feedback.staff import auth
from feedback.surveys import definitions as surveys


def _visible(user: StaffUser) -> list[str] | None:
    return None if user.role == "admin" else list(user.service_ids)


Errors = dict[str, str]  # field id -> message, in the order of the page


def _date(name: str, raw: str | None, errors: Errors, lang: str) -> date | None:
    if not raw:
        return None
    try:
        return days.parse_day(raw)
    except days.DayError as error:  # not a day, or one outside the supported range
        errors[name] = days.message(error, raw, lang)
        return None


def _selection(request: Request, lang: str, errors: Errors) -> export.Selection:
    """The dashboard's filters from the query string; bad values are named in `errors`."""
    params = request.query_params
    since = _date("since", params.get("since"), errors, lang)
    until = _date("until", params.get("until"), errors, lang)
    if since and until and since > until:
        errors["since"] = gettext_for(lang).gettext("The start date is after the end date.")
    return export.Selection(
        since=since,
        until=until,
        channels=tuple(c for c in params.getlist("channel") if c in CHANNELS),
        languages=tuple(v for v in params.getlist("language") if v in LANGUAGES),
        touchpoint=(params.get("touchpoint") or "").strip()[:100] or None,
        include_tests=params.get("include_tests") == "1",
    )


def _today(request: Request) -> date:
    """Today in the operator's default zone: the page spans services (each summary row is
    counted in its own service's quarter)."""
    return local_time.today(request.app.state.settings.time_zone)


def _quarter(request: Request, lang: str, errors: Errors) -> summaries.Quarter:
    """The quarter asked for, else the last complete one."""
    raw = request.query_params.get("quarter")
    found = summaries.Quarter.parse(raw) if raw else None
    if raw and found is None:
        _ = gettext_for(lang).gettext
        if summaries.Quarter.parse(raw, check_range=False) is not None:  # 9999-Q4
            errors["quarter"] = _("Choose a quarter from %(first)s to %(last)s.") % {
                "first": f"{days.FIRST_DAY.year}-Q1",
                "last": f"{days.LAST_DAY.year}-Q4",
            }
        else:
            message = _("“%(value)s” is not a quarter. Use the form 2026-Q1.")
            errors["quarter"] = message % {"value": raw[:20]}
    return found or summaries.Quarter.of(_today(request)).previous()


def _service_filter(request: Request, user: StaffUser) -> list[str] | None:
    visible = _visible(user)
    wanted = request.query_params.get("service")
    if not wanted:
        return visible
    return [wanted] if visible is None or wanted in visible else []


async def exports_page(request: Request, errors: Errors | None = None) -> Response:
    """GET /dashboard/exports: the export form and the A-11 quarterly summary."""
    lang = language(request)
    user: StaffUser = request.state.user
    errors = dict(errors or {})
    selection = _selection(request, lang, {})
    quarter = _quarter(request, lang, errors)
    with db(request) as session:
        visible = _visible(user)
        survey_list = [s for s in surveys.all_surveys(session, visible) if s.status != "draft"]
        services = summaries.services(session, visible)
        first = summaries.first_day(session, visible)
        report = summaries.a11_summary(
            session, quarter=quarter, service_ids=_service_filter(request, user)
        )
    chosen_format = request.query_params.get("format", "csv")
    latest = summaries.Quarter.of(_today(request))
    quarters = [latest]
    while first and quarters[-1].start > first:
        quarters.append(quarters[-1].previous())
    context = {
        "surveys": survey_list,
        "services": services,
        "chosen_survey": request.query_params.get("survey", ""),
        "chosen_format": chosen_format if chosen_format in export.FORMATS else "csv",
        "chosen_service": request.query_params.get("service", ""),
        "selection": selection,
        "quarter": quarter,
        "quarters": quarters if quarter in quarters else [quarter, *quarters],
        "report": report,
        "errors": errors,
        "channels": list(CHANNELS),
    }
    status = 400 if errors else 200
    return render(request, "exports.html", context, lang=lang, status_code=status)


def _stream(engine: object, survey_id: str, fmt: str, sel: export.Selection) -> Iterator[bytes]:
    """The export's bytes; a sync generator, so Starlette runs it in a worker thread."""
    with session_scope(engine) as session:  # type: ignore[arg-type]
        if fmt == "xlsx":
            # A zip needs its directory at the end: build on disk, then send it in pieces.
            with tempfile.TemporaryFile() as spool:
                export.write_xlsx(session, survey_id=survey_id, out=spool, selection=sel)
                spool.seek(0)
                while chunk := spool.read(256 * 1024):
                    yield chunk
            return
        if fmt == "csv":
            yield "\ufeff".encode()  # so spreadsheet programs read the French accents right
            chunks = export.csv_chunks(session, survey_id=survey_id, selection=sel)
        else:
            chunks = export.json_chunks(session, survey_id=survey_id, selection=sel)
        for text in chunks:
            yield text.encode()


async def download(request: Request) -> Response:
    """GET /dashboard/exports/responses: one survey's responses, streamed as they are read."""
    lang = language(request)
    user: StaffUser = request.state.user
    errors: Errors = {}
    _ = gettext_for(lang).gettext
    survey_id = request.query_params.get("survey", "")
    with db(request) as session:
        survey = surveys.get_survey(session, survey_id) if survey_id else None
    if not survey_id:
        errors["survey"] = _("Choose a survey to export.")
    elif survey is None or not auth.can_see_service(user, survey.service_id):
        raise HTTPException(404)
    fmt = request.query_params.get("format", "csv")
    if fmt not in export.FORMATS:
        errors["format-csv"] = _("Choose CSV, XLSX or JSON.")
    selection = _selection(request, lang, errors)
    if errors:
        return await exports_page(request, errors)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    headers = {
        "Content-Disposition": f'attachment; filename="responses-{survey_id}-{stamp}.{fmt}"',
        "Cache-Control": "no-store",
    }
    body = _stream(request.app.state.engine, survey_id, fmt, selection)
    return StreamingResponse(body, media_type=export.MEDIA_TYPES[fmt], headers=headers)


def a11_rows(report: list[summaries.ServiceSummary], quarter: summaries.Quarter, lang: str) -> str:
    """The A-11 summary as CSV text, one row per count (easy to pivot)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def cell(text: dict[str, str]) -> str:
        return str(export.safe_cell(pick(text, lang)))

    writer.writerow(
        ["quarter", "service_id", "service", "survey_id", "survey", "channel", "respondents",
         "offered", "customers_served", "question", "kind", "wording", "value", "label", "count"]
    )  # fmt: skip
    for block in report:
        for item in block.surveys:
            for counts in item.questions:
                q = counts.question
                for channel in item.channels:
                    for value, label in counts.points:
                        # Staff-written texts may start like a formula: neutralise them.
                        writer.writerow(
                            [str(quarter), block.service.id, cell(block.service.name),
                             item.survey.id, cell(item.survey.title), channel,
                             item.respondents.get(channel, 0), item.offered.get(channel, ""),
                             item.served.get(channel, ""), q.key, q.kind, cell(q.text),
                             value, cell(label) if label else value,
                             counts.by_channel.get(channel, {}).get(value, 0)]
                        )  # fmt: skip
    return out.getvalue()


async def a11_csv(request: Request) -> Response:
    """GET /dashboard/exports/a11.csv: the quarterly summary per service and channel."""
    lang = language(request)
    user: StaffUser = request.state.user
    errors: Errors = {}
    quarter = _quarter(request, lang, errors)
    if errors:
        return await exports_page(request, errors)
    with db(request) as session:
        report = summaries.a11_summary(
            session, quarter=quarter, service_ids=_service_filter(request, user)
        )
    headers = {"Content-Disposition": f'attachment; filename="a11-summary-{quarter}.csv"'}
    return Response(
        "\ufeff" + a11_rows(report, quarter, lang),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


routes = [
    Route("/dashboard/exports", requires(*auth.DASHBOARD_ROLES)(exports_page)),
    Route("/dashboard/exports/responses", requires(*auth.DASHBOARD_ROLES)(download)),
    Route("/dashboard/exports/a11.csv", requires(*auth.DASHBOARD_ROLES)(a11_csv)),
]
