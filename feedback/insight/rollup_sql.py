"""The aggregates grouped in SQL: a rebuild, and many responses counted or taken back at once.

Each statement covers the surveys of one time zone, so the local day is one SQL expression
(see local_days.py) and a million responses are grouped by the database, never in Python.
Test answers (previews) are never counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, cast, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from feedback.core.catalog import SCALE_RANGES
from feedback.core.models import (
    Answer,
    AnswerDay,
    AnswerPairDay,
    Question,
    Response,
    ResponseDay,
)
from feedback.insight.local_days import by_zone, local_day_sql, zones_of
from feedback.surveys.definitions import headline_question

DIMENSIONS = ["day", "channel", "language", "touchpoint"]
RESPONSE_KEYS = ["survey_id", *DIMENSIONS]
ANSWER_KEYS = ["question_id", *DIMENSIONS, "value"]
PAIR_KEYS = ["question_id", "outcome_id", *DIMENSIONS, "value", "outcome_value"]
TABLES = (
    (ResponseDay.__table__, RESPONSE_KEYS),  # type: ignore[attr-defined]
    (AnswerDay.__table__, ANSWER_KEYS),  # type: ignore[attr-defined]
    (AnswerPairDay.__table__, PAIR_KEYS),  # type: ignore[attr-defined]
)
COUNTED = col(Response.test).is_(False)  # previews' test answers are never counted


def driver_pairs(questions: Sequence[Question]) -> list[tuple[int, int]]:
    """(driver question, overall question) ids to cross-tabulate for one survey.

    Drivers are the scale questions other than overall satisfaction; the overall question
    is the one the survey is scored by. A survey without a scale headline has no pairs.
    """
    outcome = headline_question(list(questions))
    if outcome is None or outcome.id is None or outcome.kind not in SCALE_RANGES:
        return []
    return [
        (q.id, outcome.id)
        for q in questions
        if q.id is not None
        and q.id != outcome.id
        and q.kind in SCALE_RANGES
        and q.driver != "satisfaction"
    ]


def questions_of(session: Session, survey_id: str) -> list[Question]:
    """A survey's current questions in order."""
    stmt = (
        select(Question)
        .where(Question.survey_id == survey_id, col(Question.retired).is_(False))
        .order_by(col(Question.position))
    )
    return list(session.scalars(stmt))


_UPSERTS: dict[tuple[str, str], Any] = {}


def upsert_rows(session: Session, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Add each row's `n` to its aggregate row: one statement, executed for all rows at once.

    The statement is built once per dialect and table and reused, so SQLAlchemy's compiled
    cache serves it and a submission does not pay for building SQL.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = _UPSERTS.get((dialect, table.name))
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={"n": table.c.n + stmt.excluded.n}
        )
        _UPSERTS[(dialect, table.name)] = stmt
    session.execute(stmt, rows if len(rows) > 1 else rows[0])


def scopes(
    session: Session, where: Sequence[Any], survey_ids: Sequence[str] | None = None
) -> list[tuple[Any, list[str]]]:
    """(local day expression, survey ids) for each zone among the responses `where` selects.

    One grouped read of the (survey, submitted_at) index gives each survey's first and last
    instant, so each zone's expression knows the offset changes it must cover.
    """
    stmt = select(
        Response.survey_id, func.min(Response.submitted_at), func.max(Response.submitted_at)
    ).where(COUNTED, *where)
    if survey_ids is not None:
        stmt = stmt.where(col(Response.survey_id).in_(sorted(survey_ids)))
    spans = {
        s: (first, last) for s, first, last in session.execute(stmt.group_by(Response.survey_id))
    }
    out = []
    for zone, ids in by_zone(zones_of(session, spans)).items():
        first = min(spans[s][0] for s in ids)
        last = max(spans[s][1] for s in ids)
        out.append((local_day_sql(session, zone, first, last), ids))
    return out


def response_groups(day: Any) -> Any:
    """Responses counted per survey, local day, channel, language and touchpoint."""
    touchpoint = func.coalesce(Response.touchpoint, "")
    dims = (Response.survey_id, day, Response.channel, Response.language, touchpoint)
    return select(*dims, func.count()).where(COUNTED).group_by(*dims)


def answer_groups(day: Any) -> Any:
    """Answers counted per question, local day, channel, language, touchpoint and value."""
    touchpoint = func.coalesce(Response.touchpoint, "")
    value = func.coalesce(Answer.option, cast(cast(Answer.value, Integer), String))
    dims = (Answer.question_id, day, Response.channel, Response.language, touchpoint, value)
    return (
        select(*dims, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(COUNTED, col(Answer.option).is_not(None) | col(Answer.value).is_not(None))
        .group_by(*dims)
    )


def pair_groups(day: Any, drivers: list[int], outcome: int) -> Any:
    """Driver answers joined to the overall answer of the same response, grouped."""
    driver, overall = aliased(Answer), aliased(Answer)
    touchpoint = func.coalesce(Response.touchpoint, "")
    dims = (
        driver.question_id,
        overall.question_id,
        day,
        Response.channel,
        Response.language,
        touchpoint,
        cast(cast(driver.value, Integer), String).label("value"),
        cast(cast(overall.value, Integer), String).label("outcome_value"),
    )
    return (
        select(*dims, func.count())
        .select_from(driver)
        .join(overall, overall.response_id == driver.response_id)
        .join(Response, Response.id == driver.response_id)
        .where(
            COUNTED,
            col(driver.question_id).in_(drivers),
            overall.question_id == outcome,
            col(driver.value).is_not(None),
            col(overall.value).is_not(None),
        )
        .group_by(*dims)
    )


def pair_plan(session: Session, survey_ids: Sequence[str]) -> list[tuple[list[int], int]]:
    """For each survey with drivers: (driver question ids, overall question id)."""
    plan = []
    for survey_id in survey_ids:
        pairs = driver_pairs(questions_of(session, survey_id))
        if pairs:
            plan.append(([d for d, _ in pairs], pairs[0][1]))
    return plan


def grouped(session: Session, where: Sequence[Any], survey_ids: Sequence[str] | None = None) -> Any:
    """Every grouped statement for the responses `where` selects: (table, keys, statement)."""
    for day, ids in scopes(session, where, survey_ids):
        in_scope = col(Response.survey_id).in_(ids)
        response_table, response_keys = TABLES[0]
        answer_table, answer_keys = TABLES[1]
        yield response_table, response_keys, response_groups(day).where(in_scope, *where)
        yield answer_table, answer_keys, answer_groups(day).where(in_scope, *where)
        pair_table, pair_keys = TABLES[2]
        for drivers, outcome in pair_plan(session, ids):
            yield pair_table, pair_keys, pair_groups(day, drivers, outcome).where(in_scope, *where)


def rebuild_surveys(session: Session, survey_ids: Sequence[str] | None) -> None:
    """Recompute the aggregates of some surveys (all when None) from their responses."""
    if survey_ids is None:
        for table, _keys in TABLES:
            session.execute(delete(table))
    else:
        if not survey_ids:
            return
        wanted = sorted(survey_ids)
        question_ids = select(Question.id).where(col(Question.survey_id).in_(wanted))
        session.execute(delete(ResponseDay).where(col(ResponseDay.survey_id).in_(wanted)))
        session.execute(delete(AnswerDay).where(col(AnswerDay.question_id).in_(question_ids)))
        session.execute(
            delete(AnswerPairDay).where(col(AnswerPairDay.question_id).in_(question_ids))
        )
    for table, keys, stmt in grouped(session, (), survey_ids):
        session.execute(table.insert().from_select([*keys, "n"], stmt))
