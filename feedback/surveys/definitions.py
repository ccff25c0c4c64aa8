"""Survey definitions: create from a template, read one, and shape it for the widget."""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from feedback.core.catalog import CHANNELS, LANGUAGES, QuestionSpec, Text, fill
from feedback.core.models import Question, Service, Survey
from feedback.surveys.survey_templates import TEMPLATES

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


# The public submission path reads a survey and its questions on every post; they change only
# when staff edit them. So each process keeps what it read for SUBMIT_CACHE_SECONDS, keyed by
# engine and survey id. Nothing depends on it for correctness beyond that window: a survey
# closed, or a question edited, on another worker still takes answers here in its old form for
# at most that long (the answers are stored against the version read, which stays in the
# database, retired, so nothing is lost or miscounted). In this process, any ORM write to a
# survey or question drops the entry at flush and again at commit (_forget_changed), so the
# builder's own worker is consistent at once. Only existing surveys are kept (made-up ids
# are not), so the cache is bounded by the number of surveys.
SUBMIT_CACHE_SECONDS = 2.0
_submit_cache: dict[tuple[str, str], tuple[float, Survey, list[Question]]] = {}


def for_submission(engine: Engine, survey_id: str) -> tuple[Survey | None, list[Question]]:
    """The survey and its current questions, as read at most SUBMIT_CACHE_SECONDS ago.

    For the public submission path only: the objects are detached (shared between requests),
    so they are read-only; the questions are loaded only while the survey is live. The
    database is read only when the cache has nothing recent.
    """
    # By database address, not engine identity: an engine's id() can be reused by the next
    # engine (another database) once the first is gone.
    key = (str(engine.url), survey_id)
    now = time.monotonic()
    hit = _submit_cache.get(key)
    if hit is not None and now - hit[0] < SUBMIT_CACHE_SECONDS:
        return hit[1], hit[2]
    with Session(engine, expire_on_commit=False) as session:
        survey = get_survey(session, survey_id)
        if survey is None:
            return None, []
        questions = questions_of(session, survey.id) if survey.status == "live" else []
        # Detached: shared by later requests, which must not load or expire anything.
        session.expunge_all()
    if len(_submit_cache) > 10_000:
        _submit_cache.clear()
    _submit_cache[key] = (now, survey, questions)
    return survey, questions


def _forget_changed(session: OrmSession, *_args: Any) -> None:
    """Drop cached submission surveys this session wrote (at flush, and again at commit)."""
    changed: set[str] = session.info.setdefault("surveys_changed", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Survey):
            changed.add(obj.id)
        elif isinstance(obj, Question):
            changed.add(obj.survey_id)
    for key in [k for k in _submit_cache if k[1] in changed]:
        _submit_cache.pop(key, None)


def _forget_at_commit(session: OrmSession) -> None:
    changed = session.info.pop("surveys_changed", None)
    if changed:
        for key in [k for k in _submit_cache if k[1] in changed]:
            _submit_cache.pop(key, None)


event.listen(OrmSession, "after_flush", _forget_changed)
event.listen(OrmSession, "after_commit", _forget_at_commit)


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
