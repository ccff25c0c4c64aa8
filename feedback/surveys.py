"""Survey definitions: create from a template, read one, and shape it for the widget."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from sqlmodel import Session, col, select

from feedback.catalog import CHANNELS, LANGUAGES, QuestionSpec, Text, fill
from feedback.models import Question, Service, Survey
from feedback.survey_templates import TEMPLATES

# No vowels or look-alike characters, so ids never spell words and read aloud well.
_ID_ALPHABET = "bcdfghjkmnpqrstvwxz23456789"


def new_survey_id() -> str:
    """A short random public id (10 characters, about 47 bits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def _question_row(
    survey_id: str, position: int, spec: QuestionSpec, params: dict[str, Text]
) -> Question:
    show_if = None
    if spec.show_if:
        show_if = {"question": spec.show_if.question, "values": list(spec.show_if.values)}
    return Question(
        survey_id=survey_id,
        key=spec.key,
        position=position,
        kind=spec.kind,
        driver=spec.driver,
        required=spec.required,
        text=fill(spec.text, params),
        hint=fill(spec.hint, params) if spec.hint else None,
        options=[asdict(o) for o in spec.options],
        scale=[asdict(o) for o in spec.scale],
        show_if=show_if,
        max_length=spec.max_length,
    )


def create_from_template(
    session: Session,
    *,
    template_id: str,
    service: Service,
    channels: list[str] | None = None,
    allowed_origins: list[str] | None = None,
    status: str = "draft",
    title: Text | None = None,
    params: dict[str, Text] | None = None,
    survey_id: str | None = None,
) -> Survey:
    """Create a survey and its questions from a built-in template, worded for `service`."""
    template = TEMPLATES[template_id]
    filled = {**template.params, "service": service.name, **(params or {})}
    survey = Survey(
        id=survey_id or new_survey_id(),
        service_id=service.id,
        template=template_id,
        title=title or template.title,
        languages=list(LANGUAGES),
        channels=channels or list(CHANNELS),
        allowed_origins=allowed_origins or [],
        status=status,
    )
    session.add(survey)
    session.flush()
    for position, spec in enumerate(template.questions):
        session.add(_question_row(survey.id, position, spec, filled))
    session.flush()
    return survey


def get_survey(session: Session, survey_id: str) -> Survey | None:
    """The survey with this public id, if any."""
    if not survey_id or len(survey_id) > 16:
        return None
    return session.get(Survey, survey_id)


def questions_of(session: Session, survey_id: str) -> list[Question]:
    """The survey's current questions, in order."""
    stmt = (
        select(Question)
        .where(Question.survey_id == survey_id, col(Question.retired).is_(False))
        .order_by(col(Question.position))
    )
    return list(session.exec(stmt))


def every_version_of(session: Session, survey_id: str) -> list[Question]:
    """Every question the survey ever had, retired versions included, in order (for exports)."""
    stmt = (
        select(Question)
        .where(Question.survey_id == survey_id)
        .order_by(col(Question.position), col(Question.key), col(Question.version))
    )
    return list(session.exec(stmt))


def answer_key(question: Question, questions: list[Question]) -> str:
    """The name of a question's answers in exports: its key, or key.vN for a replaced version.

    A question edited after it had answers is retired and replaced under the same key; its
    answers keep their own column so that two meanings never share one.
    """
    newer = any(q.key == question.key and q.version > question.version for q in questions)
    return f"{question.key}.v{question.version}" if newer else question.key


def definition(survey: Survey, questions: list[Question]) -> dict[str, Any]:
    """The survey as the public JSON contract shapes it (see DESIGN.md)."""
    return {
        "id": survey.id,
        "languages": survey.languages,
        "title": survey.title,
        "channels": survey.channels,
        "questions": [
            {
                "id": q.key,
                "kind": q.kind,
                "required": q.required,
                "driver": q.driver,
                "text": q.text,
                "hint": q.hint,
                "max_length": q.max_length,
                "options": q.options,
                "scale": q.scale,
                "show_if": q.show_if,
            }
            for q in questions
        ],
    }


def live_surveys(session: Session) -> list[Survey]:
    """Surveys taking answers now, oldest first."""
    stmt = select(Survey).where(Survey.status == "live").order_by(col(Survey.created_at))
    return list(session.exec(stmt))


def all_surveys(session: Session, service_ids: list[str] | None = None) -> list[Survey]:
    """Every survey, or those of some services, oldest first."""
    stmt = select(Survey).order_by(col(Survey.created_at))
    if service_ids is not None:
        stmt = stmt.where(col(Survey.service_id).in_(service_ids))
    return list(session.exec(stmt))


def allow_origin(survey: Survey, origin: str) -> bool:
    """Add an origin (scheme://host[:port]) to the survey's allowed origins; False if present."""
    if origin in survey.allowed_origins:
        return False
    survey.allowed_origins = [*survey.allowed_origins, origin]
    return True


def headline_question(questions: list[Question]) -> Question | None:
    """The question a survey is scored by: overall satisfaction first, then yes/no, NPS, CES."""
    scored = [q for q in questions if q.kind in ("rating5", "yes_no", "nps", "ces7")]
    for test in (
        lambda q: q.driver == "satisfaction" and q.kind == "rating5",
        lambda q: q.kind == "yes_no" and q.required,
        lambda q: q.kind in ("nps", "ces7"),
        lambda q: True,
    ):
        for question in scored:
            if test(question):
                return question
    return None
