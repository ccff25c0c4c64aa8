"""Questions in the builder: add, edit, reorder and remove, without corrupting earlier answers.

A question that has answers is never changed in kind, options or scale: it is retired (kept,
still exported) and a new row with the same key and the next version takes its place.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from sqlmodel import Session, col, select

from feedback.core.catalog import DRIVERS, KINDS, LANGUAGES, SCALE_RANGES, Option
from feedback.core.i18n import gettext_for
from feedback.core.models import Answer, Question, StaffUser, Survey
from feedback.core.numbers import whole_number
from feedback.staff import audit
from feedback.surveys import definitions as surveys
from feedback.surveys.builder import Form, Invalid, first
from feedback.surveys.scales import (
    AGREEMENT_5,
    AGREEMENT_7,
    EASE_5,
    NPS_ENDS,
    SATISFACTION_5,
    YES_NO,
)

TEXT_MAX = 500
OPTION_MAX = 120
OPTIONS_MAX = 15
# The labelled 5-point scales a rating5 question may use.
SCALES_5: dict[str, tuple[Option, ...]] = {
    "satisfaction": SATISFACTION_5,
    "ease": EASE_5,
    "agreement": AGREEMENT_5,
}
_DEFAULT_SCALES: dict[str, tuple[Option, ...]] = {
    "yes_no": YES_NO,
    "rating5": SATISFACTION_5,
    "ces7": AGREEMENT_7,
    "nps": NPS_ENDS,
}


def scale_for(kind: str, name: str = "") -> list[dict[str, Any]]:
    """The stored scale labels of a kind (rating5 may pick satisfaction, ease or agreement)."""
    points = SCALES_5.get(name) if kind == "rating5" else None
    return [asdict(o) for o in (points or _DEFAULT_SCALES.get(kind, ()))]


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
    text = {k: v[:TEXT_MAX] for k, v in _texts(form, "text").items() if v}
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


def _texts(form: Form, prefix: str) -> dict[str, str]:
    return {code: first(form, f"{prefix}_{code}") for code in LANGUAGES}


def _parse_options(
    form: Form, question: Question, errors: dict[str, str], _: Any
) -> list[dict[str, Any]]:
    ids = list(form.get("opt_id", []))
    rows = zip(ids, form.get("opt_en", []), form.get("opt_fr", []), strict=False)
    known = {o["id"] for o in question.options}
    out: list[dict[str, Any]] = []
    for option_id, en, fr in rows:
        label = {k: v.strip() for k, v in (("en", en), ("fr", fr)) if v.strip()}
        if not label:
            continue  # an empty row is a removed option, or an unused new one
        if any(len(v) > OPTION_MAX for v in label.values()):
            errors["options"] = _("Keep each option to %(max)d characters.") % {"max": OPTION_MAX}
        if option_id not in known:
            option_id = _new_option_id(label.get("en") or label.get("fr", ""), out, known)
        out.append({"id": option_id, "label": label})
    if len(out) > OPTIONS_MAX:
        errors["options"] = _("Offer at most %(max)d options.") % {"max": OPTIONS_MAX}
    return out


def _new_option_id(label: str, taken: list[dict[str, Any]], known: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30] or "option"
    used = known | {o["id"] for o in taken}
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _parse_show_if(
    form: Form, earlier: list[Question], errors: dict[str, str], _: Any
) -> dict[str, Any] | None:
    picked = [v.split("=", 1) for v in form.get("show_if", []) if "=" in v]
    if not picked:
        return None
    keys = {k for k, _v in picked}
    sources = {q.key: q for q in earlier}
    if len(keys) > 1 or not keys <= set(sources):
        errors["show_if"] = _("Choose answers of one earlier question only.")
        return None
    source = sources[keys.pop()]
    values: list[bool | int | str] = []
    for _k, raw in picked:
        if source.kind == "yes_no":
            values.append(raw == "true")
        elif source.kind in SCALE_RANGES:
            number = whole_number(raw)
            values.append(number if number is not None else raw)
        else:
            values.append(raw)
    return {"question": source.key, "values": values}


def parse_question(
    session: Session, survey: Survey, question: Question, form: Form, lang: str
) -> dict[str, Any]:
    """The question's new fields from its form; raises Invalid with a message per field."""
    _ = gettext_for(lang).gettext
    errors: dict[str, str] = {}
    kind = first(form, "kind")
    if kind not in KINDS:
        errors["kind"] = _("Choose the kind of question.")
        kind = question.kind
    driver = first(form, "driver") or None
    if driver is not None and driver not in DRIVERS:
        errors["driver"] = _("Choose a driver from the list.")
    text, hint = _texts(form, "text"), _texts(form, "hint")
    for field, values in (("text", text), ("hint", hint)):
        for code, value in values.items():
            if len(value) > TEXT_MAX:
                errors[f"{field}_{code}"] = _(
                    "Use %(max)d characters or fewer (you used %(n)d)."
                ) % {"max": TEXT_MAX, "n": len(value)}
    if survey.status == "live":
        # People are answering: a change may not leave a text missing in any language.
        for code in survey.languages:
            if not text.get(code):
                errors[f"text_{code}"] = _("Enter the text in every language: this survey is live.")
    options = _parse_options(form, question, errors, _) if kind in ("choice", "multi") else []
    current = surveys.questions_of(session, survey.id)
    earlier = [q for q in current if q.position < question.position and q.key != question.key]
    show_if = _parse_show_if(form, earlier, errors, _)
    if errors:
        raise Invalid(errors)
    # A new kind takes its default labels; a 5-point scale may switch to another named one;
    # anything else (such as a template's own labels) is kept as it is.
    picked = first(form, "scale")
    scale = question.scale
    if kind != question.kind or (kind == "rating5" and picked in SCALES_5):
        scale = scale_for(kind, picked)
    return {
        "kind": kind,
        "driver": driver,
        "required": first(form, "required") == "1",
        "text": {k: v for k, v in text.items() if v},
        "hint": {k: v for k, v in hint.items() if v} or None,
        "options": options,
        "scale": scale,
        "show_if": show_if,
    }


def update_question(
    session: Session, *, user: StaffUser, survey: Survey, question: Question, form: Form, lang: str
) -> Question:
    """Save a question's form; an answered question changing shape becomes a new version."""
    fields = parse_question(session, survey, question, form, lang)
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
