"""Seeding through COPY (seed/copy.py) stores exactly what the executemany seed stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text

from feedback.core.db import make_engine, session_scope
from feedback.core.schema import upgrade
from seed.copy import seed_by_copy
from seed.demo import ensure_demo, seed_responses

TODAY = date(2026, 6, 15)
ORIGIN = "http://127.0.0.1:8000"
TABLES = {
    "response": "id, survey_id, channel, touchpoint, language, assisted",
    "answer": "id, response_id, question_id, value, option, text",
    "response_day": "survey_id, day, channel, language, touchpoint, n",
    "answer_day": "question_id, day, channel, language, touchpoint, value, n",
}


def _plain(row: object) -> tuple[object, ...]:
    """The row with values compared alike on both databases (dates as text, booleans as 0/1)."""
    out: list[object] = []
    for value in row:  # type: ignore[attr-defined]
        if isinstance(value, date):
            value = value.isoformat()[:10]
        elif isinstance(value, bool):
            value = int(value)
        out.append("" if value is None else value)
    return tuple(out)


def _rows(url: str, *, copy: bool) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        ensure_demo(session, base_origin=ORIGIN, today=TODAY)
        seed = seed_by_copy if copy else seed_responses
        seed(session, months=3, responses=400, today=TODAY)
    with engine.connect() as conn:
        found = {
            name: sorted(_plain(r) for r in conn.execute(text(f"SELECT {cols} FROM {name}")))
            for name, cols in TABLES.items()
        }
    engine.dispose()
    return found


def test_copy_seed_matches_executemany_seed(database_url: str, tmp_path: Path) -> None:
    by_copy = _rows(database_url, copy=True)  # COPY on PostgreSQL, executemany on SQLite
    plain = _rows(f"sqlite:///{tmp_path / 'plain.db'}", copy=False)
    assert len(by_copy["response"]) == 400 and len(by_copy["answer"]) > 400
    for name in ("response_day", "answer_day"):
        assert by_copy[name] == plain[name]
    assert by_copy["response"] == plain["response"]
    assert [r[1:] for r in by_copy["answer"]] == [r[1:] for r in plain["answer"]]
