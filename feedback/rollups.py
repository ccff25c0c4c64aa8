"""Daily aggregates, so that dashboards cost O(days) rather than O(responses)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, String, cast, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from feedback.models import Answer, AnswerDay, Response, ResponseDay


def answer_key(answer: Answer) -> str | None:
    """The value an answer is counted under: "5", "1" for yes, or an option id; None for text."""
    if answer.option is not None:
        return answer.option
    if answer.value is not None:
        return str(int(answer.value))
    return None


def _upsert(session: Session, table: Any, row: dict[str, Any], keys: list[str]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**row)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={"n": table.c.n + row["n"]})
    session.execute(stmt)


def add_response(session: Session, response: Response, answers: list[Answer]) -> None:
    """Count one stored response and its answers into the daily aggregates."""
    day = response.submitted_at.date()
    common = {
        "day": day,
        "channel": response.channel,
        "language": response.language,
        "touchpoint": response.touchpoint or "",
    }
    _upsert(
        session,
        ResponseDay.__table__,
        {"survey_id": response.survey_id, **common, "n": 1},
        ["survey_id", "day", "channel", "language", "touchpoint"],
    )
    for answer in answers:
        key = answer_key(answer)
        if key is not None:
            _upsert(
                session,
                AnswerDay.__table__,
                {"question_id": answer.question_id, **common, "value": key, "n": 1},
                ["question_id", "day", "channel", "language", "touchpoint", "value"],
            )


def rebuild(session: Session, *, survey_id: str | None = None) -> None:
    """Recompute the aggregates from the responses (after bulk loads or repairs)."""
    responses = select(Response.id).where(Response.survey_id == survey_id) if survey_id else None
    if survey_id:
        session.execute(delete(ResponseDay).where(ResponseDay.survey_id == survey_id))
        question_ids = select(Answer.question_id).where(Answer.response_id.in_(responses))
        session.execute(delete(AnswerDay).where(AnswerDay.question_id.in_(question_ids)))
    else:
        session.execute(delete(ResponseDay))
        session.execute(delete(AnswerDay))
    submitted: Any = Response.submitted_at
    if session.get_bind().dialect.name == "postgresql":
        # Days are UTC days, whatever the server's time zone.
        submitted = func.timezone("UTC", Response.submitted_at)
    day = func.date(submitted)
    touchpoint = func.coalesce(Response.touchpoint, "")
    by_response = select(
        Response.survey_id, day, Response.channel, Response.language, touchpoint, func.count()
    ).group_by(Response.survey_id, day, Response.channel, Response.language, touchpoint)
    if survey_id:
        by_response = by_response.where(Response.survey_id == survey_id)
    session.execute(
        ResponseDay.__table__.insert().from_select(
            ["survey_id", "day", "channel", "language", "touchpoint", "n"], by_response
        )
    )
    value = func.coalesce(Answer.option, cast(cast(Answer.value, Integer), String))
    by_answer = (
        select(
            Answer.question_id,
            day,
            Response.channel,
            Response.language,
            touchpoint,
            value,
            func.count(),
        )
        .join(Response, Response.id == Answer.response_id)
        .where((Answer.option.is_not(None)) | (Answer.value.is_not(None)))
        .group_by(Answer.question_id, day, Response.channel, Response.language, touchpoint, value)
    )
    if survey_id:
        by_answer = by_answer.where(Response.survey_id == survey_id)
    session.execute(
        AnswerDay.__table__.insert().from_select(
            ["question_id", "day", "channel", "language", "touchpoint", "value", "n"], by_answer
        )
    )


def first_day(session: Session, survey_id: str) -> date | None:
    """The earliest day with a response to the survey."""
    return session.execute(
        select(func.min(ResponseDay.day)).where(ResponseDay.survey_id == survey_id)
    ).scalar_one_or_none()
