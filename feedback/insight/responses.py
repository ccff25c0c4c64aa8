"""One whole response, as staff read it: answers with their labels, channel, time, origin.

Reads only. Deleting, voiding and correcting a response are in feedback/answers/corrections.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from feedback.core.catalog import CHANNELS, MODE_LABELS
from feedback.core.i18n import N_, gettext_for, pick
from feedback.core.local_time import zone
from feedback.core.models import Answer, Question, Response, Service, StaffUser, Survey
from feedback.core.times import as_utc
from feedback.surveys import forms

# How a response came in, as recorded by the path that stored it (Response.source).
SOURCES: dict[str, str] = {
    "hosted": N_("Hosted survey page"),
    "widget": N_("Widget or app (the public answers API)"),
    "kiosk": N_("Kiosk at a counter"),
    "assisted": N_("Typed in by an agent (assisted entry)"),
    "paper": N_("Paper forms imported from a file"),
    "api": N_("Sent by another system (API)"),
}
NOT_RECORDED = N_("Not recorded (stored before the product kept it)")


@dataclass(frozen=True)
class AnswerLine:
    """One answered question: its wording in the reader's language and the answer's label."""

    key: str
    question: str
    answer: str
    kind: str
    hidden: bool  # a comment hidden as abusive: its text is not shown
    retired: bool  # answered on an earlier version of the question


@dataclass(frozen=True)
class ResponseView:
    """Everything a staff page shows about one response."""

    response: Response
    answers: list[AnswerLine]
    channel: str
    mode: str
    source: str
    local_time: datetime
    time_zone: str
    entered_by: str | None


def find(session: Session, *, survey_id: str, response_id: int) -> Response | None:
    """The response with this id if it belongs to this survey."""
    response = session.get(Response, response_id)
    return response if response is not None and response.survey_id == survey_id else None


def _label(question: Question, rows: list[Answer], lang: str) -> str:
    """The answer as the person saw it: the option or scale label, with the number."""
    if question.kind == "text":
        return rows[0].text or ""
    choices = {c.value: c.label for c in forms.fields([question], lang)[0].choices}
    if question.kind in ("choice", "multi"):
        return "; ".join(choices.get(r.option or "", r.option or "") for r in rows)
    value = rows[0].value
    if value is None:
        return ""
    if question.kind == "yes_no":
        return choices.get("true" if value == 1 else "false", "")
    number = str(int(value))
    label = choices.get(number, "")
    return f"{number} – {label}" if label and label != number else number


def answer_lines(session: Session, *, response: Response, lang: str) -> list[AnswerLine]:
    """The response's answers in question order, retired versions included, in `lang`."""
    rows = session.exec(
        select(Answer).where(Answer.response_id == response.id).order_by(col(Answer.id))
    ).all()
    by_question: dict[int, list[Answer]] = {}
    for row in rows:
        by_question.setdefault(row.question_id, []).append(row)
    questions = session.exec(select(Question).where(col(Question.id).in_(list(by_question)))).all()
    ordered = sorted(questions, key=lambda q: (q.position, q.key, q.version))
    _ = gettext_for(lang).gettext
    out = []
    for question in ordered:
        assert question.id is not None
        mine = by_question[question.id]
        hidden = any(r.hidden for r in mine)
        answer = _("Hidden: this comment was hidden as abusive.") if hidden else ""
        out.append(
            AnswerLine(
                key=question.key,
                question=pick(question.text, lang),
                answer=answer or _label(question, mine, lang),
                kind=question.kind,
                hidden=hidden,
                retired=question.retired,
            )
        )
    return out


def view(session: Session, *, survey: Survey, response: Response, lang: str) -> ResponseView:
    """One response ready to show in `lang`, its time in the service's zone."""
    _ = gettext_for(lang).gettext
    service = session.get(Service, survey.service_id)
    zone_name = service.time_zone if service else "UTC"
    channel = CHANNELS.get(response.channel)
    agent = session.get(StaffUser, response.entered_by) if response.entered_by else None
    return ResponseView(
        response=response,
        answers=answer_lines(session, response=response, lang=lang),
        channel=pick(channel.label, lang) if channel else response.channel,
        mode=pick(MODE_LABELS[channel.mode], lang) if channel else "",
        source=_(SOURCES[response.source]) if response.source in SOURCES else _(NOT_RECORDED),
        local_time=as_utc(response.submitted_at).astimezone(zone(zone_name)),
        time_zone=zone(zone_name).key,
        entered_by=agent.username if agent else None,
    )


def recent_entries(
    session: Session, *, user_id: int, survey_id: str, since: datetime
) -> list[Response]:
    """Responses this staff user typed into this survey since `since`, newest first."""
    stmt = (
        select(Response)
        .where(
            Response.entered_by == user_id,
            Response.survey_id == survey_id,
            col(Response.submitted_at) >= since,
        )
        .order_by(col(Response.id).desc())
        .limit(50)
    )
    return list(session.exec(stmt))
