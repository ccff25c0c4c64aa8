"""Citizens' pages: the hosted survey (works without JavaScript) and the demo host page."""

from __future__ import annotations

import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from feedback.answers import admission, intake, kiosks, protect, test_answers
from feedback.core import client_keys
from feedback.core.i18n import gettext_for
from feedback.core.models import Survey
from feedback.routes import reach_api
from feedback.routes.base import db, language, open_survey, public, render
from feedback.routes.offered import is_test, not_offered_page, offered_channel
from feedback.routes.services_admin import who_asks
from feedback.surveys import definitions as surveys
from feedback.surveys import forms, snippets


def _touchpoint(requested: str | None) -> str:
    return (requested or "").strip()[: intake.TOUCHPOINT_MAX]


def _form_page(
    request: Request,
    survey: Survey,
    questions: list,
    *,
    lang: str,
    channel: str,
    touchpoint: str,
    values: dict[str, list[str]],
    errors: dict[str, str],
    submission_id: str,
    status_code: int = 200,
    embed: bool = False,
    check: str = "",
    checked: tuple[str, ...] = (),
    busy: intake.Rejected | None = None,
    preview: str = "",
) -> Response:
    """The form; `check` says what the scrubber removed from the `checked` comments; `busy`
    is a 429: the answers stay in the form, to send again in a minute."""
    context = {
        "survey": survey,
        "fields": forms.fields(questions, lang),
        "values": values,
        "errors": errors,
        "channel": channel,
        "touchpoint": touchpoint,
        "submission_id": submission_id,
        "check": check,
        "checked": checked,
        "honeypot": protect.HONEYPOT,
        "busy": busy.message if busy else "",
        "preview": preview,  # a staff preview's token: its answers are test answers
        "preview_param": test_answers.PARAM,
    }
    extra = protect.retry_headers(busy) if busy else {}
    return _survey_page(
        request, "survey/form.html", context, survey, lang, status_code, embed, extra
    )


def _survey_page(
    request: Request,
    page: str,
    context: dict[str, object],
    survey: Survey,
    lang: str,
    status_code: int,
    embed: bool,
    extra: dict[str, str] | None = None,
) -> Response:
    """A hosted survey page, or the same page in another site's iframe (?embed=1)."""
    headers = dict(extra or {})
    context = {**context, "embedded": embed, "layout": "base.html"}
    context["service"] = who_asks(request, survey, lang)  # its name, logo, colour, address
    if embed:
        # Minimal chrome, framable only by the survey's allowed origins.
        headers.update(snippets.frame_headers(survey))
        context["layout"] = "survey/embed_base.html"
    return render(request, page, context, lang=lang, status_code=status_code, headers=headers)


def _embedded(request: Request) -> bool:
    """True for the iframe mode (?embed=1), on the form and on what its post answers."""
    return request.query_params.get("embed") == "1"


def _closed_page(request: Request, error: intake.Rejected, lang: str) -> Response:
    context = {"status": error.status, "message": error.message}
    headers = protect.retry_headers(error)
    return render(
        request, "errors.html", context, lang=lang, status_code=error.status, headers=headers
    )


@public("citizens answer hosted surveys without an account")
async def survey_form(request: Request) -> Response:
    """GET /s/{survey}: the hosted survey in the person's language."""
    with db(request) as session:
        survey, lang, closed = open_survey(request, session)
        if closed:
            return _closed_page(request, closed, lang)
        assert survey is not None
        questions = surveys.questions_of(session, survey.id)
        channel = offered_channel(survey, request.query_params.get("channel"))
        if channel is None:
            return not_offered_page(request, lang)
        touchpoint = _touchpoint(request.query_params.get("touchpoint"))
        preview = request.query_params.get(test_answers.PARAM) or ""
        test = is_test(request, survey, preview)
    if not test:  # a staff preview offers the survey to no one
        # The page shown is one person offered the survey (bounded per client).
        reach_api.count_shown_apart(request, survey, channel, touchpoint)
    return _form_page(
        request,
        survey,
        questions,
        lang=lang,
        channel=channel,
        touchpoint=touchpoint,
        values={},
        errors={},
        submission_id=secrets.token_urlsafe(16),
        embed=_embedded(request),
        preview=preview if test else "",
    )


@public("citizens submit hosted surveys without an account")
async def survey_post(request: Request) -> Response:
    """POST /s/{survey} (and /k/{survey}, a kiosk tablet's): a plain form post; a thank-you
    page, or the form again with errors."""
    form = await request.form()
    values = {key: [str(v) for v in form.getlist(key)] for key in form}
    with db(request) as session:
        survey = surveys.get_survey(session, request.path_params["survey"])
        available = survey.languages if survey else ("en", "fr")
        lang = str(form.get("lang") or "")
        lang = lang if lang in available else language(request, available)
        try:
            survey = intake.check_open(survey, lang)
        except intake.Rejected as error:
            return _closed_page(request, error, lang)
        questions = surveys.questions_of(session, survey.id)
        channel = offered_channel(survey, str(form.get("channel") or ""))
        if channel is None:
            return not_offered_page(request, lang)  # nothing stored
        preview = str(form.get(test_answers.PARAM) or "")
        test = is_test(request, survey, preview)
        touchpoint = _touchpoint(str(form.get("touchpoint") or ""))
        submission_id = str(form.get("submission_id") or "")[:64] or None
        if protect.is_bot(values):
            # Answered like any other post, so the bot learns nothing; nothing is stored.
            return _thanks(request, survey, lang, ())
        # The tablet's cookie is sent to /k/ only; kiosk answers need an enrolled tablet.
        device = kiosks.recognise(session, request.cookies.get(kiosks.COOKIE))
        if not request.url.path.startswith(kiosks.COOKIE_PATH):
            device = None
        try:
            protect.require_device(channel, device, lang)
        except intake.Rejected as error:
            return _closed_page(request, error, lang)
        ip = client_keys.client_address(request, request.app.state.settings)
        guard = protect.guard(
            session,
            survey=survey,
            ip=ip,
            channel=channel,
            settings=request.app.state.settings,
            device=device,
        )
        submission = intake.Submission(
            channel=channel,
            language=lang,
            touchpoint=touchpoint or None,
            answers=forms.answers_from_form(questions, values),
            source="kiosk" if device is not None else "hosted",
            test=test,
        )
        try:
            pending = intake.prepare(
                survey,
                questions,
                submission,
                lang,
                idempotency_key=f"form:{submission_id}" if submission_id else None,
                # First post: show what the scrubber would remove; the form's flag then stores.
                preview=form.get("pii_checked") != "1",
                checks=admission.client_checks(
                    survey, guard.client, guard.client_limit, guard.survey_cap
                ),
            )
            # Ends this session's transaction (a new day's salt is kept), so no pooled
            # connection is held while the writer stores the answers with others' (see
            # group_commit.py); what was read stays loaded for the pages below.
            session.commit()
            stored = await request.app.state.writer.store(pending)
        except intake.Rejected as error:
            if error.code == "idempotency_mismatch":
                # A form sent again with other answers (back, change, send): told, not stored.
                error.message = gettext_for(lang).gettext(
                    "These answers were already sent. To answer again, open the survey again."
                )
            if error.status not in (422, 429) or error.code == "idempotency_mismatch":
                return _closed_page(request, error, lang)
            check = ""
            checked: tuple[str, ...] = ()
            if error.code == "personal_information":
                # The scrubbed texts go back in their fields, to read before sending.
                for key, text in error.fields.items():
                    values[f"q_{key}"] = [text]
                checked = tuple(error.fields)
                check = protect.removed_message(error.removed, lang, comments=len(checked))
            return _form_page(
                request,
                survey,
                questions,
                lang=lang,
                channel=channel,
                touchpoint=touchpoint,
                values=values,
                errors={} if checked or error.status == 429 else error.fields,
                submission_id=submission_id or "",
                status_code=error.status,
                embed=_embedded(request),
                check=check,
                checked=checked,
                busy=error if error.status == 429 else None,
                preview=preview if test else "",
            )
    return _thanks(request, survey, lang, stored.removed)


def _thanks(request: Request, survey: Survey, lang: str, removed: tuple[str, ...]) -> Response:
    context = {"survey": survey, "removed": removed, "again": request.url.path}
    return _survey_page(
        request, "survey/thanks.html", context, survey, lang, 200, _embedded(request)
    )


@public("demo host page showing the widget; no data")
async def demo_page(request: Request) -> Response:
    """GET /demo[?mode=inline|button|trigger|iframe]: a sample host page with the snippet."""
    if not request.app.state.settings.demo:
        raise HTTPException(404)
    lang = language(request)
    with db(request) as session:
        live = [s for s in surveys.live_surveys(session) if s.template == "gc_page_feedback"]
    if not live:
        raise HTTPException(404)
    survey = live[0]
    # The configured public address, never the Host header: a forged Host would otherwise
    # write a snippet that loads a script from anywhere into the page.
    base = request.app.state.settings.base_url
    mode = request.query_params.get("mode", "inline")
    mode = mode if mode in snippets.MODES else "inline"
    context = {
        "survey": survey,
        "base": base,
        "mode": mode,
        "modes": snippets.MODES,
        "snippet": snippets.snippet(base, survey.id, mode=mode, lang=lang),
    }
    return render(request, "demo.html", context, lang=lang)


@public("landing page with links only")
async def home(request: Request) -> Response:
    """GET /: the demo page in demo mode, else the staff login."""
    return RedirectResponse("/demo" if request.app.state.settings.demo else "/login", 303)


routes = [
    Route("/", home),
    Route("/demo", demo_page),
    Route("/s/{survey}", survey_form, methods=["GET"]),
    Route("/s/{survey}", survey_post, methods=["POST"]),
]
