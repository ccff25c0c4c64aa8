"""Reach settings for managers: how a survey invites people (sampling, delay, frequency rule,
quiet hours), invitations from a CSV file, and the interactions each channel served."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for
from feedback.core.models import Service, StaffUser, Survey
from feedback.reach import interactions, invitations, rules, sms
from feedback.routes.base import db, language, render, requires
from feedback.routes.filtering import can_edit
from feedback.surveys import definitions as surveys

ROLES = ("admin", "manager")
UPLOAD_MAX = 4 * 1024 * 1024  # the bulk body limit
NO_STORE = {"Cache-Control": "no-store"}


def _survey(session: Any, request: Request, survey_id: str) -> Survey:
    user: StaffUser = request.state.user
    survey = surveys.get_survey(session, survey_id)
    if survey is None or not can_edit(user, survey.service_id):
        raise HTTPException(404)
    return survey


async def _upload(request: Request) -> tuple[Any, str]:
    form = await request.form()
    upload = form.get("file")
    text = ""
    if isinstance(upload, UploadFile):
        raw = await upload.read(UPLOAD_MAX + 1)
        try:
            text = raw.decode("utf-8-sig") if len(raw) <= UPLOAD_MAX else ""
        except UnicodeDecodeError:
            text = ""
    return form, text


def _invitations_page(
    request: Request, survey: Survey, lang: str, *, status: int = 200, **extra: Any
) -> Response:
    settings = request.app.state.settings
    with db(request) as session:
        rule = rules.rule_for(session, survey.id)
        counts = invitations.status_counts(session, survey.id)
        service = session.get(Service, survey.service_id)
    context = {
        "survey": survey, "rule": rule, "counts": counts, "errors": {}, "values": None,
        "zone": service.time_zone if service else "UTC", "hours": list(range(24)),
        "email_ready": bool(settings.smtp_host), "sms_ready": sms.configured(settings),
        "channels": [c for c in survey.channels if c in CHANNELS], **extra,
    }  # fmt: skip
    return render(
        request, "admin/invitations.html", context, lang=lang, status_code=status, headers=NO_STORE
    )


@requires(*ROLES)
async def invitations_page(request: Request) -> Response:
    """GET /admin/surveys/{survey}/invitations: the invitation settings and a CSV upload."""
    lang = language(request)
    with db(request) as session:
        survey = _survey(session, request, request.path_params["survey"])
    return _invitations_page(request, survey, lang, saved=request.query_params.get("saved"))


@requires(*ROLES)
async def save_invitations(request: Request) -> Response:
    """POST /admin/surveys/{survey}/invitations: store the settings, or show what to fix."""
    lang = language(request)
    _ = gettext_for(lang).gettext
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in form}
    with db(request) as session:
        survey = _survey(session, request, request.path_params["survey"])
        _rule, errors = rules.save_rule(session, survey.id, values, _)
    if errors:
        return _invitations_page(request, survey, lang, status=422, errors=errors, values=values)
    target = f"/admin/surveys/{survey.id}/invitations?lang={lang}&saved=1"
    return RedirectResponse(target, status_code=303)


@requires(*ROLES)
async def upload_invitations(request: Request) -> Response:
    """POST /admin/invitations/upload: invitations from a CSV file (up to 10,000 rows)."""
    lang = language(request)
    _ = gettext_for(lang).gettext
    form, text = await _upload(request)
    with db(request) as session:
        survey = _survey(session, request, str(form.get("survey") or ""))
    rows = invitations.rows_from_csv(text, survey.id) if text else []
    if not rows:
        message = _("Choose a CSV file (UTF-8) with a header row and at most 10,000 rows.")
        return _invitations_page(request, survey, lang, status=422, errors={"file": message})
    results: list[Any] = []
    for start in range(0, len(rows), 1000):
        with db(request) as session:
            results += invitations.accept_many(
                session, body={"items": rows[start : start + 1000]}, lang=lang
            )
    outcomes = [r.outcome for r in results if r.outcome]
    report = {
        "rows": len(rows), "queued": outcomes.count("queued"),
        "not_sampled": outcomes.count("not_sampled"),
        "recently_invited": outcomes.count("recently_invited"),
        "unsubscribed": outcomes.count("unsubscribed"),
        # Row numbers as in a spreadsheet: the header is row 1.
        "problems": [(r.index + 2, r.message, r.fields) for r in results if r.status >= 400][:50],
        "failed": sum(r.status >= 400 for r in results),
    }  # fmt: skip
    return _invitations_page(request, survey, lang, report=report)


def _service(session: Any, request: Request, service_id: str) -> Service:
    user: StaffUser = request.state.user
    service = session.get(Service, service_id)
    if service is None or not can_edit(user, service.id):
        raise HTTPException(404)
    return service


def _interactions_page(
    request: Request, service: Service, lang: str, *, status: int = 200, **extra: Any
) -> Response:
    with db(request) as session:
        records = interactions.listing(session, service_id=service.id)
    context = {"service_row": service, "records": records, "errors": {}, **extra}
    return render(request, "admin/interactions.html", context, lang=lang, status_code=status)


@requires(*ROLES)
async def interactions_page(request: Request) -> Response:
    """GET /admin/services/{service}/interactions: records and a CSV upload."""
    lang = language(request)
    with db(request) as session:
        service = _service(session, request, request.path_params["service"])
    return _interactions_page(request, service, lang)


@requires(*ROLES)
async def upload_interactions(request: Request) -> Response:
    """POST /admin/interactions/upload: channel,start,end,count rows for one service."""
    lang = language(request)
    _ = gettext_for(lang).gettext
    form, text = await _upload(request)
    with db(request) as session:
        service = _service(session, request, str(form.get("service") or ""))
        rows = interactions.parse_csv(text, service.id) if text else []
        problems = []
        stored = 0
        for number, row in enumerate(rows[: interactions.CSV_ROWS_MAX], start=2):
            errors = interactions.problems(session, row, _)
            if errors:
                problems.append((number, " ".join(errors.values())))
            else:
                interactions.store(session, row)
                stored += 1
    if not rows:
        message = _("Choose a CSV file (UTF-8) with the columns channel, start, end, count.")
        return _interactions_page(request, service, lang, status=422, errors={"file": message})
    report = {"stored": stored, "problems": problems[:50], "failed": len(problems)}
    return _interactions_page(request, service, lang, report=report)


routes = [
    Route("/admin/surveys/{survey}/invitations", invitations_page, methods=["GET"]),
    Route("/admin/surveys/{survey}/invitations", save_invitations, methods=["POST"]),
    Route("/admin/invitations/upload", upload_invitations, methods=["POST"]),
    Route("/admin/services/{service}/interactions", interactions_page, methods=["GET"]),
    Route("/admin/interactions/upload", upload_interactions, methods=["POST"]),
]
