"""Store checked submissions, many in one transaction: what `intake.prepare` made of them.

The hot path of the product: every answer from every channel ends here. A batch costs a few
statements whatever its size (one insert of responses, one of answers, one upsert per
aggregate table and one of the rate counters), so the group-commit writer
(feedback/group_commit.py) can store what many requests sent in one commit.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import String, TypeDecorator, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from feedback.answers import outbox
from feedback.comments import index as comment_index
from feedback.answers.intake import (
    LIMIT_WINDOW,
    Pending,
    Rejected,
    Stored,
    Submission,
    answer_rows,
    client_checks,
    prepare,
    too_many,
)
from feedback.core import limits, observability
from feedback.core.models import Answer, Question, Response, Survey
from feedback.insight import rollups

# Built once: a submission runs these with new values only, so SQLAlchemy's compiled cache
# serves them and no ORM unit of work is needed for rows that are only ever inserted here.
_RESPONSES = Response.__table__  # type: ignore[attr-defined]
_ANSWERS = Answer.__table__  # type: ignore[attr-defined]
_INSERT_ANSWERS = insert(_ANSWERS)
_ANSWER_VALUES = ("response_id", "question_id", "value", "option", "text")
_FIND_KEYS = select(_RESPONSES.c.idempotency_key, _RESPONSES.c.id).where(
    _RESPONSES.c.survey_id == bindparam("survey_id"),
    _RESPONSES.c.idempotency_key.in_(bindparam("keys", expanding=True)),
)
# PostgreSQL: one probe of the (survey, key) unique index per key, one text for any number
# of keys (prepared once). With `key IN (...)` each key cost the unique index a descent, so
# while the statistics lagged behind a growing table (a new database, until autovacuum's
# ANALYZE) one descent of the (survey, submitted_at) index looked cheaper, and read the
# survey's every response: 2-4 ms a batch at 8,000 rows. Key by key, the unique index is
# costed no higher than that scan, and lower as soon as statistics exist.
_FIND_KEYS_PG = (
    "SELECT given.key, found.id FROM unnest(%s::VARCHAR[]) AS given(key) "
    "JOIN LATERAL (SELECT id FROM response WHERE survey_id = %s "
    "AND idempotency_key = given.key LIMIT 1) AS found ON true"
)


def _replays(session: Session, items: Sequence[Pending]) -> dict[tuple[str, str], int]:
    """The stored response id of each (survey, idempotency key) among `items` already stored."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        if item.idempotency_key is not None:
            wanted.setdefault(item.survey.id, set()).add(item.idempotency_key)
    found: dict[tuple[str, str], int] = {}
    conn = session.connection()
    for survey_id, keys in wanted.items():
        rows: Any
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(_FIND_KEYS_PG, (sorted(keys), survey_id))
        else:
            rows = session.execute(_FIND_KEYS, {"survey_id": survey_id, "keys": sorted(keys)})
        found |= {(survey_id, key): id_ for key, id_ in rows}
    return found


def _admit(session: Session, items: Sequence[Pending]) -> list[Rejected | None]:
    """Count each item against its limits in order; refuse (429) those over any limit.

    One statement counts the whole batch; hits of refused items are taken back, so a refused
    attempt neither counts nor extends the wait, as with one submission at a time.
    """
    hits: dict[str, int] = {}
    for item in items:
        for key, _limit in item.checks:
            hits[key] = hits.get(key, 0) + 1
    if not hits:
        return [None] * len(items)
    now = limits.now()  # one window for counting and for taking back
    counts, wait = limits.count_many(session, hits, window=LIMIT_WINDOW, now=now)
    used = {key: counts[key] - n for key, n in hits.items()}  # what others had counted before
    verdicts: list[Rejected | None] = []
    for item in items:
        if all(used[key] + 1 <= limit for key, limit in item.checks):
            for key, _limit in item.checks:
                used[key] += 1
            verdicts.append(None)
        else:
            verdicts.append(too_many(item.lang, wait))
    refunds = {key: counts[key] - used[key] for key in hits}
    limits.refund(session, refunds, window=LIMIT_WINDOW, now=now)
    return verdicts


def store_many(session: Session, items: Sequence[Pending]) -> list[Stored | Rejected]:
    """Store checked submissions in the caller's transaction, a few statements for all of them.

    Each gets its outcome, in order: Stored (created, or the replay of a known idempotency
    key, also within the batch) or Rejected (429). The caller commits; a unique-key error
    means another process stored one of the keys meanwhile (store them again one by one).
    """
    outcomes: list[Stored | Rejected | None] = [None] * len(items)
    known = _replays(session, items)
    fresh: list[int] = []
    first: dict[tuple[str, str], int] = {}  # the batch's first item with each key
    for i, item in enumerate(items):
        key = (item.survey.id, item.idempotency_key or "")
        if item.idempotency_key is not None and key in known:
            outcomes[i] = Stored(id=known[key], created=False)
        elif item.idempotency_key is not None and key in first:
            continue  # the same key again: answered as a replay of the first, below
        else:
            if item.idempotency_key is not None:
                first[key] = i
            fresh.append(i)
    verdicts = _admit(session, [items[i] for i in fresh])
    admitted = [i for i, verdict in zip(fresh, verdicts, strict=True) if verdict is None]
    for i, verdict in zip(fresh, verdicts, strict=True):
        outcomes[i] = verdict
    if admitted:
        _insert(session, [items[i] for i in admitted], outcomes, admitted)
    for i, item in enumerate(items):
        if outcomes[i] is None:  # a repeated key: whatever its first item got
            done = outcomes[first[(item.survey.id, item.idempotency_key or "")]]
            outcomes[i] = Stored(id=done.id, created=False) if isinstance(done, Stored) else done
    answered = [outcome for outcome in outcomes if outcome is not None]
    assert len(answered) == len(items)  # every item answered: callers pair them up in order
    return answered


@dataclass(slots=True)
class _Row:
    """A stored response's columns, for the aggregates and the webhook outbox.

    Plain, not a Response: building an ORM object per submission cost a third of a batch.
    """

    survey_id: str
    channel: str
    touchpoint: str | None
    language: str
    assisted: bool
    submitted_at: datetime
    idempotency_key: str | None
    source: str | None
    entered_by: int | None
    test: bool = False  # from a staff preview: kept apart, never counted or announced
    id: int | None = None


# The columns a submission inserts: every field of _Row but the id the database gives.
_RESPONSE_VALUES = tuple(f.name for f in fields(_Row) if f.name != "id")


def _insert_responses(session: Session, values: list[dict[str, Any]]) -> list[int]:
    """Insert response rows in one statement; their ids, in the order of `values`.

    The database gives each new row the next id as it inserts the rows in the order given, and
    ids only grow, so the ids sorted are the rows' ids in order (only RETURNING's order is
    unspecified). On SQLite this transaction holds the only write lock; on PostgreSQL rows
    other transactions insert meanwhile take other ids, which are not among these.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        sql = _unnest_sql(_RESPONSES, _RESPONSE_VALUES, conn.dialect, returning="id")
        rows = conn.exec_driver_sql(sql, _as_columns(values, _RESPONSE_VALUES))
        return sorted(id_ for (id_,) in rows)
    # SQLAlchemy inserts row by row on SQLite when ids must come back in order, and does not
    # cache a many-row INSERT's compiled form. So one plain statement per batch, its values
    # converted by the columns' own SQLAlchemy types.
    converters = _converters(conn.dialect)
    flat = [
        value if convert is None or value is None else convert(value)
        for row in values
        for value, convert in zip((row[name] for name in _RESPONSE_VALUES), converters, strict=True)
    ]
    rows = conn.exec_driver_sql(_many_rows_sql(len(values)), tuple(flat))
    return sorted(id_ for (id_,) in rows)


def _insert_answers(session: Session, answers: list[dict[str, Any]]) -> None:
    """Insert answer rows: one statement on PostgreSQL, SQLAlchemy's executemany on SQLite."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        sql = _unnest_sql(_ANSWERS, _ANSWER_VALUES, conn.dialect)
        conn.exec_driver_sql(sql, _as_columns(answers, _ANSWER_VALUES))
    else:
        session.execute(_INSERT_ANSWERS, answers)


def _as_columns(rows: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[list[Any], ...]:
    """One list per column. psycopg adapts each list as it is, with no SQLAlchemy type in
    between: each column's values are already of one Python type (intake made them)."""
    return tuple([row[name] for row in rows] for name in names)


@functools.lru_cache(maxsize=8)
def _unnest_sql(table: Any, names: tuple[str, ...], dialect: Any, returning: str = "") -> str:
    """PostgreSQL: INSERT of one array per column, unnested into rows in the order given.

    The same statement text for any number of rows, so psycopg prepares it once, and one
    statement a batch: multi-row VALUES made a new text (a new parse) for each batch size,
    and executemany one statement per row. Columns left out take their server defaults.
    """
    arrays = ", ".join(f"%s::{_array_of(table.c[name].type, dialect)}[]" for name in names)
    columns = ", ".join(names)
    sql = (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM unnest({arrays}) "
        f"WITH ORDINALITY AS given({columns}, ordinal) ORDER BY ordinal"
    )
    return f"{sql} RETURNING {returning}" if returning else sql


def _array_of(type_: Any, dialect: Any) -> str:
    # Text without its length: an explicit cast to VARCHAR(n) would cut a longer value short
    # where storing it in the column refuses it (a DataError, as for any other insert).
    base = type_.impl if isinstance(type_, TypeDecorator) else type_  # SQLModel's AutoString
    return "VARCHAR" if isinstance(base, String) else str(type_.compile(dialect=dialect))


def _converters(dialect: Any) -> list[Any]:
    """Each inserted column's bind processor (None: the driver takes the value as it is)."""
    types = [_RESPONSES.c[name].type.dialect_impl(dialect) for name in _RESPONSE_VALUES]
    return [type_.bind_processor(dialect) for type_ in types]


@functools.lru_cache(maxsize=512)
def _many_rows_sql(n: int) -> str:
    row = "(" + ", ".join("?" * len(_RESPONSE_VALUES)) + ")"
    return (
        f"INSERT INTO {_RESPONSES.name} ({', '.join(_RESPONSE_VALUES)}) "
        f"VALUES {', '.join([row] * n)} RETURNING id"
    )


def _insert(
    session: Session,
    items: list[Pending],
    outcomes: list[Stored | Rejected | None],
    positions: list[int],
) -> None:
    rows = [
        _Row(
            survey_id=item.survey.id,
            channel=item.submission.channel,
            touchpoint=item.submission.touchpoint or None,
            language=item.submission.language,
            assisted=item.submission.assisted,
            submitted_at=item.submitted_at,
            idempotency_key=item.idempotency_key,
            source=item.submission.source,
            entered_by=item.submission.entered_by,
            test=item.submission.test,
        )
        for item in items
    ]
    values = [{name: getattr(row, name) for name in _RESPONSE_VALUES} for row in rows]
    ids = _insert_responses(session, values)
    answers: list[dict[str, Any]] = []
    counted: list[rollups.Counted] = []
    for item, row, id_, position in zip(items, rows, ids, positions, strict=True):
        row.id = id_
        mine = answer_rows(id_, item.accepted)
        answers += mine
        counted.append((row, mine, item.questions))
        outcomes[position] = Stored(id=id_, created=True, removed=item.removed)
    if answers:
        _insert_answers(session, answers)
    rollups.add_many(session, counted)
    comment_index.add_many(session, counted)  # inbox, search, term counts, urgent flag
    for item, row in zip(items, rows, strict=True):
        if not row.test:  # integrators never hear of preview answers
            outbox.enqueue(session, survey=item.survey, response=row, accepted=item.accepted)
        observability.submitted(session, item.submission.channel)  # counted when committed


def _store_one(session: Session, pending: Pending) -> Stored:
    """Store one submission and commit; a replay commits nothing (the caller's work stays
    pending, for it to keep or roll back), a refusal rolls back and raises."""
    (outcome,) = store_many(session, [pending])
    if isinstance(outcome, Rejected):
        session.rollback()
        raise outcome
    if outcome.created:
        session.commit()
    return outcome


def submit(
    session: Session,
    *,
    survey: Survey,
    questions: list[Question],
    submission: Submission,
    lang: str,
    idempotency_key: str | None = None,
    submitted_at: datetime | None = None,
    partial: bool = False,
    preview: bool = False,
    client: str | None = None,
    client_limit: int | None = None,
    survey_cap: int = 0,
) -> Stored:
    """Validate and store one response and commit; a known key replays the first store.

    `partial` stores a first answer that follow-up answers will amend (see `amend`).
    `client` (a salted hash, see protect.py) limits this client to `client_limit` (default: the
    survey's) submissions a minute, and the survey to `survey_cap` (0: no cap); replays are free.
    """
    pending = prepare(
        survey,
        questions,
        submission,
        lang,
        idempotency_key=idempotency_key,
        submitted_at=submitted_at,
        partial=partial,
        preview=preview,
        checks=client_checks(survey, client, client_limit, survey_cap),
    )
    try:
        outcome = _store_one(session, pending)
    except IntegrityError:
        # Two requests with the same key raced; the other one stored it first.
        session.rollback()
        outcome = _store_one(session, pending)
    return outcome
