"""Daily aggregates, so that dashboards cost O(days) rather than O(responses).

Three tables: responses per day (ResponseDay), answers per value and day (AnswerDay) and,
for driver analysis, each driver answer crossed with the same response's overall answer
(AnswerPairDay). A day is the UTC day the response was submitted, so a late response (one
submitted in the past) lands on its own day, and removing a response takes back exactly
what adding it counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, delete, func, select, update
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
    ResponseFacts,
    Survey,
)
from feedback.core.times import as_utc
from feedback.surveys.definitions import headline_question

_DIMENSIONS = ["day", "channel", "language", "touchpoint"]
_RESPONSE_KEYS = ["survey_id", *_DIMENSIONS]
_ANSWER_KEYS = ["question_id", *_DIMENSIONS, "value"]
_PAIR_KEYS = ["question_id", "outcome_id", *_DIMENSIONS, "value", "outcome_value"]
_BATCH = 500  # response ids per statement when removing many


def answer_key(answer: Answer | Mapping[str, Any]) -> str | None:
    """The value an answer is counted under: "5", "1" for yes, or an option id; None for text.

    `answer` is a stored Answer or its column values (intake inserts rows without the ORM).
    """
    if isinstance(answer, Mapping):
        option, value = answer["option"], answer["value"]
    else:
        option, value = answer.option, answer.value
    if option is not None:
        return str(option)
    if value is not None:
        return str(int(value))
    return None


def utc_day(moment: datetime) -> date:
    """The UTC day of a timestamp; a naive one is already UTC (as SQLite hands it back)."""
    return as_utc(moment).date()


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


def _questions(session: Session, survey_id: str) -> list[Question]:
    stmt = (
        select(Question)
        .where(Question.survey_id == survey_id, col(Question.retired).is_(False))
        .order_by(col(Question.position))
    )
    return list(session.scalars(stmt))


_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert_rows(session: Session, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Add each row's `n` to its aggregate row: one statement, executed for all rows at once.

    The statement is built once per dialect and table and reused, so SQLAlchemy's compiled
    cache serves it and a submission does not pay for building SQL (`add_response` and
    `add_responses` both come here).
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


def add_response(
    session: Session,
    response: Response,
    answers: Sequence[Answer] | Sequence[dict[str, Any]],
    questions: Sequence[Question] | None = None,
) -> None:
    """Count one stored response and its answers (objects or column values) into the aggregates."""
    if questions is None:
        questions = _questions(session, response.survey_id)
    add_many(session, [(response, answers, questions)])


Counted = tuple[ResponseFacts, Sequence[Answer] | Sequence[dict[str, Any]], Sequence[Question]]


def add_many(session: Session, stored: Sequence[Counted]) -> None:
    """Count stored responses, each with its answers and its survey's questions.

    Rows with the same key are summed first, so a batch costs at most one statement per
    aggregate table whatever its size (and PostgreSQL never sees one key twice in a statement).
    """
    tables: tuple[dict[tuple[Any, ...], int], ...] = ({}, {}, {})

    def add(table: int, key: tuple[Any, ...]) -> None:
        tables[table][key] = tables[table].get(key, 0) + 1

    for response, answers, questions in stored:
        common = (
            utc_day(response.submitted_at),
            response.channel,
            response.language,
            response.touchpoint or "",
        )
        add(0, (response.survey_id, *common))
        counted = [
            (a["question_id"] if isinstance(a, dict) else a.question_id, k)
            for a in answers
            if (k := answer_key(a)) is not None
        ]
        # A multi answer gives one row per option, so the (question, value) rows are distinct.
        for question_id, value in counted:
            add(1, (question_id, *common, value))
        keys = dict(counted)
        for driver, outcome in driver_pairs(questions):
            if driver in keys and outcome in keys:
                add(2, (driver, outcome, *common, keys[driver], keys[outcome]))
    for table, names, rows in zip(
        (ResponseDay.__table__, AnswerDay.__table__, AnswerPairDay.__table__),
        (_RESPONSE_KEYS, _ANSWER_KEYS, _PAIR_KEYS),
        tables,
        strict=True,
    ):
        # In key order, so that two processes' batches lock shared rows in the same order
        # (PostgreSQL would otherwise find a deadlock between them).
        merged = [dict(zip(names, key, strict=True), n=rows[key]) for key in sorted(rows)]
        _upsert_rows(session, table, names, merged)


def _utc_day_sql(session: Session) -> Any:
    submitted: Any = Response.submitted_at
    if session.get_bind().dialect.name == "postgresql":
        # Days are UTC days, whatever the server's time zone.
        submitted = func.timezone("UTC", Response.submitted_at)
    return func.date(submitted)


def _response_groups(session: Session) -> Any:
    day, touchpoint = _utc_day_sql(session), func.coalesce(Response.touchpoint, "")
    dims = (Response.survey_id, day, Response.channel, Response.language, touchpoint)
    return select(*dims, func.count()).group_by(*dims)


def _answer_groups(session: Session) -> Any:
    day, touchpoint = _utc_day_sql(session), func.coalesce(Response.touchpoint, "")
    value = func.coalesce(Answer.option, cast(cast(Answer.value, Integer), String))
    dims = (Answer.question_id, day, Response.channel, Response.language, touchpoint, value)
    return (
        select(*dims, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(col(Answer.option).is_not(None) | col(Answer.value).is_not(None))
        .group_by(*dims)
    )


def _pair_groups(session: Session, drivers: list[int], outcome: int) -> Any:
    """Driver answers joined to the overall answer of the same response, grouped."""
    driver, overall = aliased(Answer), aliased(Answer)
    day, touchpoint = _utc_day_sql(session), func.coalesce(Response.touchpoint, "")
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
            col(driver.question_id).in_(drivers),
            overall.question_id == outcome,
            col(driver.value).is_not(None),
            col(overall.value).is_not(None),
        )
        .group_by(*dims)
    )


def _pair_plan(session: Session, survey_ids: Sequence[str]) -> list[tuple[list[int], int]]:
    """For each survey with drivers: (driver question ids, overall question id)."""
    plan = []
    for survey_id in survey_ids:
        pairs = driver_pairs(_questions(session, survey_id))
        if pairs:
            plan.append(([d for d, _ in pairs], pairs[0][1]))
    return plan


def rebuild(session: Session, *, survey_id: str | None = None) -> None:
    """Recompute the aggregates from the responses (after bulk loads or repairs)."""
    if survey_id:
        question_ids = select(Question.id).where(Question.survey_id == survey_id)
        session.execute(delete(ResponseDay).where(ResponseDay.survey_id == survey_id))
        session.execute(delete(AnswerDay).where(col(AnswerDay.question_id).in_(question_ids)))
        session.execute(
            delete(AnswerPairDay).where(col(AnswerPairDay.question_id).in_(question_ids))
        )
        survey_ids = [survey_id]
    else:
        for table in (ResponseDay, AnswerDay, AnswerPairDay):
            session.execute(delete(table))
        survey_ids = list(session.scalars(select(Survey.id)))
    by_response = _response_groups(session)
    by_answer = _answer_groups(session)
    if survey_id:
        by_response = by_response.where(Response.survey_id == survey_id)
        by_answer = by_answer.where(Response.survey_id == survey_id)
    session.execute(ResponseDay.__table__.insert().from_select([*_RESPONSE_KEYS, "n"], by_response))
    session.execute(AnswerDay.__table__.insert().from_select([*_ANSWER_KEYS, "n"], by_answer))
    for drivers, outcome in _pair_plan(session, survey_ids):
        by_pair = _pair_groups(session, drivers, outcome)
        session.execute(AnswerPairDay.__table__.insert().from_select([*_PAIR_KEYS, "n"], by_pair))


def _subtract(session: Session, table: Any, keys: list[str], groups: Any) -> None:
    """Take grouped counts away from an aggregate table, dropping rows that reach zero."""
    rows = [dict(zip([*keys, "dn"], row, strict=True)) for row in session.execute(groups)]
    if not rows:
        return
    for row in rows:
        row["day"] = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
    match = [table.c[k] == _bind(k) for k in keys]
    session.execute(
        update(table).where(*match).values(n=table.c.n - _bind("dn")),
        [{f"k_{k}": v for k, v in row.items()} for row in rows],
    )
    session.execute(delete(table).where(table.c.n <= 0))


def _add(session: Session, table: Any, keys: list[str], groups: Any) -> None:
    """Add grouped counts to an aggregate table: one upsert statement for all groups."""
    rows = [dict(zip([*keys, "n"], row, strict=True)) for row in session.execute(groups)]
    for row in rows:
        row["day"] = row["day"] if isinstance(row["day"], date) else date.fromisoformat(row["day"])
    _upsert_rows(session, table, keys, rows)


def add_responses(session: Session, response_ids: Sequence[int]) -> None:
    """Count many stored responses at once (bulk loads): a few statements per 500 responses.

    The same counts as calling `add_response` for each, grouped in SQL as `rebuild` does.
    """
    ids = sorted(set(response_ids))
    for start in range(0, len(ids), _BATCH):
        in_chunk = col(Response.id).in_(ids[start : start + _BATCH])
        by_response = _response_groups(session).where(in_chunk)
        _add(session, ResponseDay.__table__, _RESPONSE_KEYS, by_response)
        _add(session, AnswerDay.__table__, _ANSWER_KEYS, _answer_groups(session).where(in_chunk))
        surveys = list(session.scalars(select(Response.survey_id).where(in_chunk).distinct()))
        for drivers, outcome in _pair_plan(session, surveys):
            groups = _pair_groups(session, drivers, outcome).where(in_chunk)
            _add(session, AnswerPairDay.__table__, _PAIR_KEYS, groups)


def _bind(name: str) -> Any:
    return bindparam(f"k_{name}")


def remove_responses(session: Session, response_ids: Sequence[int]) -> None:
    """Take stored responses' counts out of every aggregate; call before deleting them."""
    ids = sorted(set(response_ids))
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        in_chunk = col(Response.id).in_(chunk)
        _subtract(
            session,
            ResponseDay.__table__,
            _RESPONSE_KEYS,
            _response_groups(session).where(in_chunk),
        )
        _subtract(
            session, AnswerDay.__table__, _ANSWER_KEYS, _answer_groups(session).where(in_chunk)
        )
        surveys = list(session.scalars(select(Response.survey_id).where(in_chunk).distinct()))
        for drivers, outcome in _pair_plan(session, surveys):
            groups = _pair_groups(session, drivers, outcome).where(in_chunk)
            _subtract(session, AnswerPairDay.__table__, _PAIR_KEYS, groups)


def delete_responses(session: Session, response_ids: Sequence[int]) -> int:
    """Delete responses and their answers, keeping the aggregates right; returns how many."""
    ids = sorted(set(response_ids))
    if not ids:
        return 0
    remove_responses(session, ids)
    deleted = 0
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        session.execute(delete(Answer).where(col(Answer.response_id).in_(chunk)))
        result = session.execute(delete(Response).where(col(Response.id).in_(chunk)))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def first_day(session: Session, survey_id: str) -> date | None:
    """The earliest day with a response to the survey."""
    return session.execute(
        select(func.min(ResponseDay.day)).where(ResponseDay.survey_id == survey_id)
    ).scalar_one_or_none()
