"""Invitations over HTTP: the integrators' API, the one-click answer and the rest of the
survey, unsubscribing, and text-message replies (Twilio's webhook)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from feedback.answers import amend, intake, protect, storing
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import ApiToken, Invitation, Service, Survey
from feedback.reach import answering, email_message, invitations, sms
from feedback.routes.api import _json_body
from feedback.routes.base import api_error, db, language, public, render, requires_token
from feedback.routes.services_admin import who_asks
from feedback.surveys import definitions as surveys
from feedback.surveys import forms

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@requires_token("invite")
async def post_invitations(request: Request) -> Response:
    """POST /api/v1/invitations: one invitation or {"items": [...]} (up to 1,000)."""
    lang = language(request)
    token: ApiToken = request.state.token
    try:
        body = await _json_body(request, lang)
        with db(request) as session:
            results = invitations.accept_many(
                session, body=body, lang=lang, service_ids=token.service_ids
            )
    except intake.Rejected as error:
        return api_error(error.status, error.code, error.message, error.fields)
    outcomes = [r.outcome for r in results if r.outcome]
    return JSONResponse(
        {
            "results": [r.as_json() for r in results],
            "queued": outcomes.count("queued"),
            "not_invited": len(outcomes) - outcomes.count("queued"),
            "failed": sum(r.status >= 400 for r in results),
        }
    )


def _open(session: Any, request: Request) -> tuple[Invitation, Survey, str]:
    invitation = answering.find(session, request.path_params["token"])
    survey = session.get(Survey, invitation.survey_id) if invitation else None
    if invitation is None or survey is None:
        raise HTTPException(404)
    lang = language(request, survey.languages)
    try:
        intake.check_open(survey, lang)
    except intake.Rejected as error:
        raise HTTPException(error.status) from None
    return invitation, survey, lang


def _form(
    request: Request, survey: Survey, lang: str, *, values: dict[str, list[str]],
    errors: dict[str, str], ticket: str, saved: bool, status: int = 200, check: str = "",
    checked: tuple[str, ...] = (),
) -> Response:  # fmt: skip
    with db(request) as session:
        questions = surveys.questions_of(session, survey.id)
    context = {
        "survey": survey, "fields": forms.fields(questions, lang), "values": values,
        "errors": errors, "ticket": ticket, "saved": saved, "check": check, "checked": checked,
        "service": who_asks(request, survey, lang), "layout": "base.html",
    }  # fmt: skip
    return render(
        request, "survey/invitation.html", context, lang=lang, status_code=status, headers=NO_STORE
    )


@public("people invited by email or text answer the first question in one click")
async def one_click(request: Request) -> Response:
    """GET /i/{token}/{value}: store the first answer once, then open the rest of the survey."""
    with db(request) as session:
        invitation, survey, lang = _open(session, request)
        if request.method == "HEAD":  # link checkers look; only a person's click answers
            return Response(headers=NO_STORE)
        questions = surveys.questions_of(session, survey.id)
        try:
            response_id = answering.first_answer(
                session, invitation=invitation, survey=survey, questions=questions,
                value=request.path_params["value"], lang=lang,
            )  # fmt: skip
        except intake.Rejected as error:
            raise HTTPException(404 if error.status == 404 else error.status) from None
    ticket = amend.make_token(request.app.state.secret, survey.id, response_id)
    target = f"/i/{invitation.token}?lang={lang}&saved=1&t={ticket}"
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


@public("the rest of the survey an invited person started")
async def rest_page(request: Request) -> Response:
    """GET /i/{token}: the survey, with the answers already given."""
    with db(request) as session:
        invitation, survey, lang = _open(session, request)
        values: dict[str, list[str]] = {}
        if invitation.response_id is not None:
            questions = surveys.every_version_of(session, survey.id)
            stored = amend.stored_answers(session, invitation.response_id, questions)
            values = answering.form_answers(stored)
    return _form(
        request, survey, lang, values=values, errors={},
        ticket=request.query_params.get("t", "")[:200],
        saved=request.query_params.get("saved") == "1" and invitation.response_id is not None,
    )  # fmt: skip


@public("an invited person sends the rest of the survey")
async def rest_post(request: Request) -> Response:
    """POST /i/{token}: amend the started response (its amend token), or store a new one."""
    form = await request.form()
    values = {key: [str(v) for v in form.getlist(key)] for key in form}
    with db(request) as session:
        invitation, survey, lang = _open(session, request)
        questions = surveys.questions_of(session, survey.id)
        answers = forms.answers_from_form(questions, values)
        ticket = str(form.get("t") or "")
        preview = form.get("pii_checked") != "1"
        try:
            if invitation.response_id is not None:
                wanted = amend.read_token(request.app.state.secret, ticket, survey.id)
                if wanted != invitation.response_id:
                    _ = gettext_for(lang).gettext
                    message = _("This link has expired. Choose your answer in the message again.")
                    raise intake.Rejected(403, "amend_not_allowed", message)
                amend.amend(
                    session, survey=survey, questions=questions,
                    response_id=invitation.response_id, answers=answers, lang=lang,
                    preview=preview,
                )  # fmt: skip
            else:
                submission = intake.Submission(
                    channel=invitation.channel, language=lang, answers=answers,
                    touchpoint=invitation.touchpoint,
                )  # fmt: skip
                stored = storing.submit(
                    session, survey=survey, questions=questions, submission=submission,
                    lang=lang, idempotency_key=f"invite:{invitation.token}", preview=preview,
                )  # fmt: skip
                session.refresh(invitation)
                invitation.response_id = stored.id
            answering.answered(invitation)
            session.add(invitation)
        except intake.Rejected as error:
            if error.status != 422:
                context = {"status": error.status, "message": error.message}
                return render(request, "errors.html", context, lang=lang, status_code=error.status)
            checked: tuple[str, ...] = ()
            check = ""
            if error.code == "personal_information":
                for key, text in error.fields.items():
                    values[f"q_{key}"] = [text]
                checked = tuple(error.fields)
                check = protect.removed_message(error.removed, lang, comments=len(checked))
            return _form(
                request, survey, lang, values=values, errors={} if checked else error.fields,
                ticket=ticket, saved=False, status=422, check=check, checked=checked,
            )  # fmt: skip
    context = {"survey": survey, "removed": (), "service": who_asks(request, survey, lang)}
    context["layout"] = "base.html"
    return render(request, "survey/thanks.html", context, lang=lang, headers=NO_STORE)


@public("anyone invited can stop invitations, from the message's link or their mail client")
async def unsubscribe(request: Request) -> Response:
    """GET: a page with one button; POST (also RFC 8058 one-click): stop invitations."""
    done = False
    with db(request) as session:
        invitation = answering.find(session, request.path_params["token"])
        survey = session.get(Survey, invitation.survey_id) if invitation else None
        if invitation is None or survey is None:
            raise HTTPException(404)
        lang = language(request, survey.languages)
        service = session.get(Service, survey.service_id)
        if request.method == "POST":
            answering.opt_out(
                session, contact_hash=invitation.contact_hash, service_ids=[survey.service_id]
            )
            done = True
    context = {
        "survey": survey, "done": done, "name": pick(service.name, lang) if service else "",
        "service": who_asks(request, survey, lang), "layout": "base.html",
    }  # fmt: skip
    return render(request, "survey/unsubscribe.html", context, lang=lang, headers=NO_STORE)


@public("text-message replies from the provider, checked by its signature")
async def sms_reply(request: Request) -> Response:
    """POST /hooks/sms/twilio: a reply (a number, STOP, START, HELP), answered in TwiML."""
    settings = request.app.state.settings
    form = await request.form()
    params = {key: str(form.get(key) or "") for key in form}
    url = settings.base_url.rstrip("/") + request.url.path
    if not sms.verify(settings, url, params, request.headers.get("x-twilio-signature", "")):
        return Response("invalid signature", status_code=403)
    with db(request) as session:
        text = _reply(request, session, params.get("From", ""), params.get("Body", ""))
    return Response(sms.twiml(text), media_type="application/xml")


def _reply(request: Request, session: Any, sender: str, body: str) -> str | None:
    settings = request.app.state.settings
    digest = answering.contact_of(session, sender)
    if digest is None:
        return None
    kind, number = sms.read_reply(body)
    invitation = answering.latest_text(session, digest)
    survey = session.get(Survey, invitation.survey_id) if invitation else None
    lang = invitation.language if invitation else "en"
    _ = gettext_for(lang).gettext
    if kind == "stop":
        ids = [survey.service_id] if survey else answering.all_service_ids(session)
        answering.opt_out(session, contact_hash=digest, service_ids=ids)
        return None  # the provider confirms a STOP itself
    if kind == "start":
        answering.opt_in(session, contact_hash=digest)
        return _("You can get survey invitations again. Reply STOP to stop.")
    if invitation is None or survey is None:
        return _("This survey is over. Thank you.") if kind == "answer" else None
    questions = surveys.questions_of(session, survey.id)
    scale = sms.scale_of(email_message.first_question(questions))
    if kind == "help" or scale is None:
        return _("A short survey about your recent contact. Reply with a number, or STOP to stop.")
    low, high = scale
    if kind != "answer" or number is None or not low <= number <= high:
        return _("Reply with a number from %(low)s to %(high)s, or STOP to stop.") % {
            "low": low, "high": high,
        }  # fmt: skip
    try:
        answering.first_answer(
            session, invitation=invitation, survey=survey, questions=questions,
            value=str(number), lang=lang,
        )  # fmt: skip
    except intake.Rejected:
        return _("This survey is over. Thank you.")
    link = email_message.answer_url(settings.base_url, invitation, str(number), lang)
    return _("Thank you. Tell us more if you wish: %(url)s") % {"url": link}


routes = [
    Route("/api/v1/invitations", post_invitations, methods=["POST"]),
    Route("/i/{token}/unsubscribe", unsubscribe, methods=["GET", "POST"]),
    Route("/i/{token}/{value}", one_click, methods=["GET"]),
    Route("/i/{token}", rest_page, methods=["GET"]),
    Route("/i/{token}", rest_post, methods=["POST"]),
    Route("/hooks/sms/twilio", sms_reply, methods=["POST"]),
]
