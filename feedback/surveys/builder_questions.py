"""Questions in the builder: add, edit, reorder and remove, without corrupting earlier answers.

A question that has answers is never changed in kind, options or scale: it is retired (kept,
still exported) and a new row with the same key and the next version takes its place.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from feedback.core.catalog import KINDS
from feedback.core.i18n import gettext_for
from feedback.core.models import Answer, Question, StaffUser, Survey
from feedback.staff import audit
from feedback.surveys import builder_review as review
from feedback.surveys import definitions as surveys
from feedback.surveys.builder import Form, Invalid, first
from feedback.surveys.builder_forms import (
    SCALES_5,
    TEXT_MAX,
    parse_question,
    scale_for,
    texts,
)

__all__ = ["SCALES_5", "parse_question", "scale_for", "scale_name"]


def scale_name(question: Question) -> str:
    """Which named 5-point scale a rating5 question uses, or ""."""
    for name in SCALES_5:
        if question.scale == scale_for("rating5", name):
            return name
    return ""


def has_answers(session: Session, question_id: int | None) -> bool:
    """True once anyone has answered this question."""
    if question_id is None:
        return False
    stmt = select(Answer.id).where(Answer.question_id == question_id).limit(1)
    return session.exec(stmt).first() is not None


def _all_rows(session: Session, survey_id: str) -> list[Question]:
    stmt = select(Question).where(Question.survey_id == survey_id)
    return list(session.exec(stmt))


def find(session: Session, survey: Survey, key: str) -> Question | None:
    """The current (not retired) question of the survey with this key."""
    return next((q for q in surveys.questions_of(session, survey.id) if q.key == key), None)


def add_question(
    session: Session, *, user: StaffUser, survey: Survey, form: Form, lang: str
) -> Question:
    """Append a question of the kind asked, with the texts typed so far (more on the edit page)."""
    _ = gettext_for(lang).gettext
    kind = first(form, "kind")
    text = {k: v[:TEXT_MAX] for k, v in texts(form, "text").items() if v}
    if kind not in KINDS:
        raise Invalid({"kind": _("Choose the kind of question.")})
    rows = _all_rows(session, survey.id)
    used = {q.key for q in rows}
    number = len(used) + 1
    while f"q{number}" in used:
        number += 1
    current = [q for q in rows if not q.retired]
    question = Question(
        survey_id=survey.id,
        key=f"q{number}",
        position=max((q.position for q in current), default=-1) + 1,
        kind=kind,
        text=text,
        scale=scale_for(kind),
        max_length=1000 if kind == "text" else None,
    )
    session.add(question)
    session.flush()
    audit.record(session, user, "question.add", survey.id, key=question.key, kind=kind)
    return question


def update_question(
    session: Session, *, user: StaffUser, survey: Survey, question: Question, form: Form, lang: str
) -> Question:
    """Save a question's form; an answered question changing shape becomes a new version."""
    fields = parse_question(session, survey, question, form, lang)
    # A wording changed in one language puts the other one up for review (builder_review).
    wording = review.question_texts(question)
    review.note_changes(survey, wording, review.question_texts(fields, question.key))
    session.add(survey)
    answered = has_answers(session, question.id)
    old_ids = [o["id"] for o in question.options]
    new_ids = [o["id"] for o in fields["options"]]
    reshaped = (
        fields["kind"] != question.kind or new_ids != old_ids or fields["scale"] != question.scale
    )
    if answered and reshaped:
        return _new_version(session, user, survey, question, fields)
    # Wording fixes of an answered question (text, hint, option labels) are kept in place:
    # the stored answers are numbers and option ids, whose meaning a rewording keeps, and the
    # dashboards' trend of the question goes on. The audit entry keeps the replaced wording
    # so a report can quote exactly what people answered.
    before = {"text": question.text, "options": question.options} if answered else None
    for name, value in fields.items():
        setattr(question, name, value)
    if question.kind == "text" and question.max_length is None:
        question.max_length = 1000
    session.add(question)
    session.flush()
    audit.record(
        session,
        user,
        "question.update",
        survey.id,
        key=question.key,
        answered=answered,
        before=before,
    )
    return question


def _new_version(
    session: Session, user: StaffUser, survey: Survey, old: Question, fields: dict[str, Any]
) -> Question:
    old.retired = True
    session.add(old)
    fresh = Question(
        survey_id=survey.id,
        key=old.key,
        position=old.position,
        max_length=old.max_length if fields["kind"] == "text" else None,
        version=old.version + 1,
        **fields,
    )
    if fresh.kind == "text" and fresh.max_length is None:
        fresh.max_length = 1000
    session.add(fresh)
    session.flush()
    audit.record(
        session,
        user,
        "question.version",
        survey.id,
        key=old.key,
        version=fresh.version,
        retired_id=old.id,
        kind=fresh.kind,
    )
    return fresh


def move_question(
    session: Session, *, user: StaffUser, survey: Survey, question: Question, step: int
) -> bool:
    """Swap a question with the one above (step -1) or below (+1); False at either end."""
    current = surveys.questions_of(session, survey.id)
    index = next(i for i, q in enumerate(current) if q.id == question.id)
    other = index + step
    if not 0 <= other < len(current):
        return False
    # Positions are renumbered so that two questions never share one.
    order = list(current)
    order[index], order[other] = order[other], order[index]
    for position, row in enumerate(order):
        row.position = position
        session.add(row)
    session.flush()
    audit.record(session, user, "question.move", survey.id, key=question.key, step=step)
    return True


def remove_question(
    session: Session, *, user: StaffUser, survey: Survey, question: Question
) -> str:
    """Delete an unanswered question; retire an answered one (kept and exported). Says which."""
    if has_answers(session, question.id):
        question.retired = True
        session.add(question)
        outcome = "retired"
    else:
        session.delete(question)
        outcome = "deleted"
    session.flush()
    audit.record(session, user, "question.remove", survey.id, key=question.key, outcome=outcome)
    return outcome


def retired_of(session: Session, survey_id: str) -> list[Question]:
    """Earlier versions and removed questions, kept because they have answers."""
    stmt = (
        select(Question)
        .where(Question.survey_id == survey_id, col(Question.retired).is_(True))
        .order_by(col(Question.key), col(Question.version))
    )
    return list(session.exec(stmt))
