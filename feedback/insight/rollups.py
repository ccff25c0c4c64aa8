"""Daily aggregates, so that dashboards cost O(days) rather than O(responses).

Three tables: responses per day (ResponseDay), answers per value and day (AnswerDay) and,
for driver analysis, each driver answer crossed with the same response's overall answer
(AnswerPairDay). A day is the local day, in its service's time zone, of the instant the
response was submitted: a response at 03:30 UTC on 1 December counts on 30 November in
Toronto. A late response lands on its own day, removing a response takes back exactly what
adding it counted, and a service whose zone changes has its aggregates rebuilt
(`rebuild_service`). Test answers (from previews) are never counted.

This module counts responses as they are stored; rollup_sql.py groups many in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import Session, col

from feedback.core import local_time
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
from feedback.insight.local_days import as_date, zones_of
from feedback.insight.rollup_sql import (
    ANSWER_KEYS,
    PAIR_KEYS,
    RESPONSE_KEYS,
    driver_pairs,
    grouped,
    questions_of,
    rebuild_surveys,
    upsert_rows,
)

__all__ = [
    "add_many",
    "add_response",
    "add_responses",
    "answer_key",
    "delete_responses",
    "driver_pairs",
    "first_day",
    "rebuild",
    "rebuild_service",
    "remove_responses",
]

_BATCH = 500  # response ids per statement when counting or removing many


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


def add_response(
    session: Session,
    response: Response,
    answers: Sequence[Answer] | Sequence[dict[str, Any]],
    questions: Sequence[Question] | None = None,
) -> None:
    """Count one stored response and its answers (objects or column values) into the aggregates."""
    if questions is None:
        questions = questions_of(session, response.survey_id)
    add_many(session, [(response, answers, questions)])


Counted = tuple[ResponseFacts, Sequence[Answer] | Sequence[dict[str, Any]], Sequence[Question]]


def add_many(session: Session, stored: Sequence[Counted]) -> None:
    """Count stored responses, each with its answers and its survey's questions.

    Rows with the same key are summed first, so a batch costs at most one statement per
    aggregate table whatever its size (and PostgreSQL never sees one key twice in a statement),
    plus one read of the surveys' zones (never cached: a zone just changed must count at once).
    """
    stored = [item for item in stored if not getattr(item[0], "test", False)]
    if not stored:
        return
    zones = zones_of(session, {response.survey_id for response, _, _ in stored})
    tables: tuple[dict[tuple[Any, ...], int], ...] = ({}, {}, {})

    def add(table: int, key: tuple[Any, ...]) -> None:
        tables[table][key] = tables[table].get(key, 0) + 1

    for response, answers, questions in stored:
        common = (
            local_time.local_day(response.submitted_at, zones.get(response.survey_id)),
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
        (ResponseDay.__table__, AnswerDay.__table__, AnswerPairDay.__table__),  # type: ignore[attr-defined]
        (RESPONSE_KEYS, ANSWER_KEYS, PAIR_KEYS),
        tables,
        strict=True,
    ):
        # In key order, so that two processes' batches lock shared rows in the same order
        # (PostgreSQL would otherwise find a deadlock between them).
        merged = [dict(zip(names, key, strict=True), n=rows[key]) for key in sorted(rows)]
        upsert_rows(session, table, names, merged)


def rebuild(session: Session, *, survey_id: str | None = None) -> None:
    """Recompute the aggregates from the responses (after bulk loads or repairs)."""
    rebuild_surveys(session, [survey_id] if survey_id else None)


def rebuild_service(session: Session, *, service_id: str) -> None:
    """Recompute a service's aggregates exactly, in its current zone (after a zone change)."""
    survey_ids = list(session.scalars(select(Survey.id).where(Survey.service_id == service_id)))
    rebuild_surveys(session, survey_ids)


def _rows(session: Session, keys: list[str], groups: Any, count: str) -> list[dict[str, Any]]:
    rows = [dict(zip([*keys, count], row, strict=True)) for row in session.execute(groups)]
    for row in rows:
        row["day"] = as_date(row["day"])  # SQLite hands back dates as text
    return rows


def _subtract(session: Session, table: Any, keys: list[str], groups: Any) -> None:
    """Take grouped counts away from an aggregate table, dropping rows that reach zero."""
    rows = _rows(session, keys, groups, "dn")
    if not rows:
        return
    match = [table.c[k] == _bind(k) for k in keys]
    session.execute(
        update(table).where(*match).values(n=table.c.n - _bind("dn")),
        [{f"k_{k}": v for k, v in row.items()} for row in rows],
    )
    session.execute(delete(table).where(table.c.n <= 0))


def _bind(name: str) -> Any:
    return bindparam(f"k_{name}")


def add_responses(session: Session, response_ids: Sequence[int]) -> None:
    """Count many stored responses at once (bulk loads): a few statements per 500 responses.

    The same counts as calling `add_response` for each, grouped in SQL as `rebuild` does.
    """
    ids = sorted(set(response_ids))
    for start in range(0, len(ids), _BATCH):
        in_chunk = col(Response.id).in_(ids[start : start + _BATCH])
        for table, keys, groups in list(grouped(session, [in_chunk])):
            upsert_rows(session, table, keys, _rows(session, keys, groups, "n"))


def remove_responses(session: Session, response_ids: Sequence[int]) -> None:
    """Take stored responses' counts out of every aggregate; call before deleting them."""
    ids = sorted(set(response_ids))
    for start in range(0, len(ids), _BATCH):
        in_chunk = col(Response.id).in_(ids[start : start + _BATCH])
        for table, keys, groups in list(grouped(session, [in_chunk])):
            _subtract(session, table, keys, groups)


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
