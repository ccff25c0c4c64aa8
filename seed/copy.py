"""Bulk demo seeding on PostgreSQL through COPY (psycopg 3), for tens of millions of responses.

The rows are the demo seed's own (seed.demo.seed_responses, same random seed, same ids); only
the way each chunk reaches the database changes: one COPY per table and chunk instead of an
executemany, which is several times faster on PostgreSQL. Other databases keep executemany.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from seed.demo import SeedSummary, _insert, seed_responses

RESPONSE_COLUMNS = (
    "id",
    "survey_id",
    "channel",
    "touchpoint",
    "language",
    "assisted",
    "submitted_at",
    "idempotency_key",
)
ANSWER_COLUMNS = ("id", "response_id", "question_id", "value", "option", "text")


def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[c] for c in columns))


def copy_insert(conn: Any, rows: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    """Write a chunk of responses, then their answers, by COPY; empty both lists."""
    if conn.dialect.name != "postgresql":
        _insert(conn, rows, answers)
        return
    driver = conn.connection.driver_connection  # the psycopg connection, same transaction
    with driver.cursor() as cursor:
        if rows:
            _copy(cursor, "response", RESPONSE_COLUMNS, rows)
        if answers:
            _copy(cursor, "answer", ANSWER_COLUMNS, answers)
    rows.clear()
    answers.clear()


def seed_by_copy(
    session: Session,
    *,
    months: int = 12,
    responses: int = 4000,
    today: date | None = None,
    seed: int = 42,
) -> SeedSummary:
    """seed_responses with COPY for each chunk; aggregates are rebuilt at the end as usual."""
    return seed_responses(
        session, months=months, responses=responses, today=today, seed=seed, insert=copy_insert
    )
