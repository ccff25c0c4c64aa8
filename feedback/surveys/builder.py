"""The survey builder's rules: create, edit settings, change status, and who may do it.

Questions are edited in `feedback.builder_questions`; the checks that guard going live are in
`feedback.builder_checks`. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from feedback.core.catalog import CHANNELS, LANGUAGES
from feedback.core.i18n import gettext_for
from feedback.core.models import Question, Service, StaffUser, Survey
from feedback.staff import audit, auth
from feedback.surveys import builder_review
from feedback.surveys import definitions as surveys
from feedback.surveys.builder_checks import missing_for_live
from feedback.surveys.survey_templates import TEMPLATES

Form = Mapping[str, Sequence[str]]
EDIT_ROLES: tuple[str, ...] = ("admin", "manager")
STATUSES: tuple[str, ...] = ("draft", "live", "closed")
# Which status changes a button may ask for; a live survey goes back to draft never,
# because its link and snippet are already out in the world.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("live",),
    "live": ("closed",),
    "closed": ("live",),
}
TITLE_MAX = 200
RETENTION_RANGE = (1, 3650)
CLIENT_LIMIT_RANGE = (1, 1000)
ORIGINS_MAX = 20
# The same shape the frame-ancestors header accepts (feedback.snippets), so what is saved is used.
_ORIGIN_RE = re.compile(
    r"^(https?)://([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$"
)


class Invalid(ValueError):
    """What was asked cannot be done; `errors` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def first(form: Form, name: str) -> str:
    """The first value of a form field, stripped, or ""."""
    values = form.get(name) or []
    return str(values[0]).strip() if values else ""


def services_for(session: Session, *, user: StaffUser) -> list[Service]:
    """The services a user may build surveys for."""
    stmt = select(Service).order_by(col(Service.id))
    return [s for s in session.exec(stmt) if auth.can_see_service(user, s.id)]


def surveys_for(session: Session, *, user: StaffUser) -> list[Survey]:
    """The surveys a user may edit: every one for admins, their services' for managers."""
    if user.role == "admin":
        return surveys.all_surveys(session)
    return surveys.all_surveys(session, service_ids=list(user.service_ids))


def may_edit(user: StaffUser, survey: Survey) -> bool:
    """True if this user may change this survey."""
    return user.role in EDIT_ROLES and auth.can_see_service(user, survey.service_id)


def _titles(form: Form, lang: str, *, required: bool) -> tuple[dict[str, str], dict[str, str]]:
    _ = gettext_for(lang).gettext
    errors: dict[str, str] = {}
    title = {code: first(form, f"title_{code}") for code in LANGUAGES}
    for code in LANGUAGES:
        if len(title[code]) > TITLE_MAX:
            errors[f"title_{code}"] = _("Use %(max)d characters or fewer (you used %(n)d).") % {
                "max": TITLE_MAX,
                "n": len(title[code]),
            }
    if required and not title["en"] and not title["fr"]:
        errors["title_en"] = _("Enter a title in English or in French.")
    return {k: v for k, v in title.items() if v}, errors


def create_survey(session: Session, *, user: StaffUser, form: Form, lang: str) -> Survey:
    """A new draft survey, blank or from a template, for one of the user's services."""
    _ = gettext_for(lang).gettext
    errors: dict[str, str] = {}
    service_id = first(form, "service")
    service = session.get(Service, service_id) if 0 < len(service_id) <= 40 else None
    if service is None or not auth.can_see_service(user, service.id):
        errors["service"] = _("Choose the service this survey is for.")
    template_id = first(form, "template")
    if template_id and template_id not in TEMPLATES:
        errors["template"] = _("Choose a template, or start from blank.")
    title, title_errors = _titles(form, lang, required=not template_id)
    errors.update(title_errors)
    if errors:
        raise Invalid(errors)
    assert service is not None
    if template_id:
        survey = surveys.create_from_template(
            session,
            template_id=template_id,
            service=service,
            channels=["web"],
            title={**TEMPLATES[template_id].title, **title},
        )
    else:
        survey = Survey(
            id=surveys.new_survey_id(),
            service_id=service.id,
            title=title,
            languages=list(LANGUAGES),
            channels=["web"],
            allowed_origins=[],
        )
        session.add(survey)
        session.flush()
    audit.record(
        session, user, "survey.create", survey.id, service=service.id, template=template_id or None
    )
    return survey


def parse_origins(text: str, lang: str) -> tuple[list[str], str | None]:
    """Origins, one per line, as scheme://host[:port]; the error names the first bad line."""
    _ = gettext_for(lang).gettext
    found: list[str] = []
    for raw in re.split(r"[\s,]+", text):
        line = raw.strip().rstrip("/").lower()
        if not line:
            continue
        match = _ORIGIN_RE.match(line)
        port = match.group(6) if match else None
        if not match or (port and not 0 < int(port[1:]) < 65536):
            message = _(
                "“%(value)s” is not an origin. Write the scheme, the host and, if needed, "
                "the port, such as https://www.example.ca or http://localhost:8080."
            )
            return found, message % {"value": raw[:80]}
        if line not in found:
            found.append(line)
    if len(found) > ORIGINS_MAX:
        return found, _("List at most %(max)d origins.") % {"max": ORIGINS_MAX}
    return found, None


def _number(form: Form, name: str, bounds: tuple[int, int], lang: str) -> tuple[int, str | None]:
    _ = gettext_for(lang).gettext
    text = first(form, name)
    low, high = bounds
    if not re.fullmatch(r"\d{1,6}", text) or not low <= int(text) <= high:
        message = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return 0, message
    return int(text), None


def update_settings(
    session: Session, *, user: StaffUser, survey: Survey, form: Form, lang: str
) -> None:
    """Save the title, channels, allowed origins, retention period and per-client limit."""
    _ = gettext_for(lang).gettext
    title, errors = _titles(form, lang, required=True)
    channels = [c for c in form.get("channels", []) if c in CHANNELS]
    if not channels:
        errors["channels"] = _("Choose at least one channel.")
    origins, origin_error = parse_origins(" ".join(form.get("allowed_origins", [])), lang)
    if origin_error:
        errors["allowed_origins"] = origin_error
    retention, retention_error = _number(form, "retention_days", RETENTION_RANGE, lang)
    limit, limit_error = _number(form, "client_limit_per_minute", CLIENT_LIMIT_RANGE, lang)
    for name, message in (("retention_days", retention_error), ("client_limit", limit_error)):
        if message:
            errors[name] = message
    if survey.status == "live" and not errors:
        missing = missing_for_live(session, survey, lang, title=title)
        if missing:
            errors["title_en"] = missing[0]
    if errors:
        raise Invalid(errors)
    before = {"channels": survey.channels, "origins": survey.allowed_origins}
    builder_review.note_changes(survey, {"title": survey.title}, {"title": title})
    survey.title = title
    survey.channels = [c for c in CHANNELS if c in channels]
    survey.allowed_origins = origins
    survey.retention_days = retention
    survey.client_limit_per_minute = limit
    session.add(survey)
    audit.record(
        session,
        user,
        "survey.update",
        survey.id,
        channels=survey.channels,
        origins=survey.allowed_origins,
        retention_days=retention,
        client_limit_per_minute=limit,
        before=before,
    )


def set_status(
    session: Session, *, user: StaffUser, survey: Survey, status: str, lang: str
) -> None:
    """Move a survey to draft, live or closed; going live needs every text in every language."""
    _ = gettext_for(lang).gettext
    if status not in TRANSITIONS.get(survey.status, ()):
        raise Invalid({"status": _("This survey cannot change to that status.")})
    if status == "live":
        missing = missing_for_live(session, survey, lang, reviews=True)
        if missing:
            raise Invalid({f"live_{i}": message for i, message in enumerate(missing)})
    before = survey.status
    survey.status = status
    session.add(survey)
    audit.record(session, user, "survey.status", survey.id, status=status, before=before)


def ensure_ready_if_live(session: Session, survey: Survey, lang: str) -> None:
    """Refuse a change that would leave a live survey with a missing text or a broken question."""
    if survey.status == "live":
        missing = missing_for_live(session, survey, lang)
        if missing:
            raise Invalid({f"live_{i}": message for i, message in enumerate(missing)})


def duplicate_survey(session: Session, *, user: StaffUser, survey: Survey) -> Survey:
    """A new draft with the same settings, questions and translations, and none of its answers."""
    title = {
        code: gettext_for(code).gettext("Copy of %(title)s") % {"title": text}
        for code, text in (survey.title or {}).items()
    }
    copy = Survey(
        id=surveys.new_survey_id(),
        service_id=survey.service_id,
        template=survey.template,
        title={k: v[:TITLE_MAX] for k, v in title.items()},
        languages=list(survey.languages),
        channels=list(survey.channels),
        allowed_origins=list(survey.allowed_origins),
        retention_days=survey.retention_days,
        client_limit_per_minute=survey.client_limit_per_minute,
        needs_review=[dict(m) for m in survey.needs_review or []] or None,
    )
    session.add(copy)
    for question in surveys.questions_of(session, survey.id):
        fields = question.model_dump(exclude={"id", "survey_id", "retired", "version"})
        session.add(Question(survey_id=copy.id, **fields))
    session.flush()
    audit.record(session, user, "survey.duplicate", copy.id, source=survey.id)
    return copy
