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

from sqlalchemy import String, TypeDecorator, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from feedback.answers import admission, outbox
from feedback.answers.intake import Pending, Rejected, Stored, Submission, answer_rows, prepare
from feedback.comments import index as comment_index
from feedback.core import limits, observability
from feedback.core.models import Answer, Question, Response, Survey
from feedback.insight import rollups

# Built once: a submission runs these with new values only, so SQLAlchemy's compiled cache
# serves them and no ORM unit of work is needed for rows that are only ever inserted here.
_RESPONSES = Response.__table__  # type: ignore[attr-defined]
_ANSWERS = Answer.__table__  # type: ignore[attr-defined]
_INSERT_ANSWERS = insert(_ANSWERS)
_ANSWER_VALUES = ("response_id", "question_id", "value", "option", "text")


def store_many(session: Session, items: Sequence[Pending]) -> list[Stored | Rejected]:
    """Store checked submissions in the caller's transaction, a few statements for all of them.

    Each gets its outcome, in order: Stored (created, or the replay of a known idempotency
    key, also within the batch) or Rejected (429). The caller commits; a unique-key error
    means another process stored one of the keys meanwhile (store them again one by one).
    """
    outcomes: list[Stored | Rejected | None] = [None] * len(items)
    known = admission.replays(session, items)
    fresh: list[int] = []
    first: dict[tuple[str, str], int] = {}  # the batch's first item with each key
    for i, item in enumerate(items):
        key = (item.survey.id, item.idempotency_key or "")
        if item.idempotency_key is not None and key in known:
            id_, digest = known[key]
            same = admission.same_body(digest, item.body_hash)
            outcomes[i] = Stored(id=id_, created=False) if same else admission.mismatch(item.lang)
        elif item.idempotency_key is not None and key in first:
            continue  # the same key again: answered as a replay of the first, below
        else:
            if item.idempotency_key is not None:
                first[key] = i
            fresh.append(i)
    now = limits.now()  # one window for counting and for taking back
    verdicts = admission.admit(session, [items[i] for i in fresh], now)
    clean: dict[int, Pending] = {}
    previews: list[Pending] = []
    for i, verdict in zip(fresh, verdicts, strict=True):
        # Scrubbed only now, past the replay and rate-limit refusals (see admission.py).
        scrubbed = admission.scrub_pending(items[i]) if verdict is None else verdict
        if isinstance(scrubbed, Rejected):
            outcomes[i] = scrubbed
            if verdict is None:
                previews.append(items[i])  # refused after counting: its hits are taken back
        else:
            clean[i] = scrubbed
    admission.refund(session, previews, now)
    if clean:
        _insert(session, list(clean.values()), outcomes, list(clean))
    for i, item in enumerate(items):
        if outcomes[i] is None:  # a repeated key: whatever its first item got
            j = first[(item.survey.id, item.idempotency_key or "")]
            done = outcomes[j]
            if not admission.same_body(items[j].body_hash, item.body_hash):
                done = admission.mismatch(item.lang)
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
    idempotency_hash: str | None
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
            idempotency_hash=item.body_hash,
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
        checks=admission.client_checks(survey, client, client_limit, survey_cap),
    )
    try:
        outcome = _store_one(session, pending)
    except IntegrityError:
        # Two requests with the same key raced; the other one stored it first.
        session.rollback()
        outcome = _store_one(session, pending)
    return outcome
