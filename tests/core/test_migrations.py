"""The Alembic migrations build the schema the models describe, and keep data on upgrade."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from feedback.core import schema
from feedback.core.db import make_engine
from feedback.core.models.comments import include_object


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


ROWS_AT_0001 = [
    ("service", {"id": "s", "name": '{"en": "S"}', "created_at": "2026-01-01"}),
    (
        "survey",
        {
            "id": "v",
            "service_id": "s",
            "title": "{}",
            "languages": '["en"]',
            "channels": '["web"]',
            "allowed_origins": "[]",
            "status": "live",
            "retention_days": 183,
            "created_at": "2026-01-01",
        },
    ),
    (
        "question",
        {
            "survey_id": "v",
            "key": "q",
            "position": 0,
            "kind": "text",
            "required": False,
            "text": "{}",
            "options": "[]",
            "scale": "[]",
            "retired": False,
        },
    ),
    (
        "response",
        {
            "survey_id": "v",
            "channel": "web",
            "language": "en",
            "assisted": False,
            "submitted_at": "2026-01-02",
        },
    ),
    ("answer", {"response_id": 1, "question_id": 1, "text": "kept"}),
]


def test_upgrade_from_the_first_revision_keeps_data(database_url: str) -> None:
    engine = make_engine(database_url)
    schema.upgrade(engine, "0001")
    with engine.begin() as conn:
        for table, row in ROWS_AT_0001:
            columns = ", ".join(row)
            values = ", ".join(f":{name}" for name in row)
            conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
    schema.upgrade(engine)
    assert schema.is_current(engine)
    with engine.connect() as conn:
        kept, hidden = conn.execute(text("SELECT text, hidden FROM answer")).one()
        assert kept == "kept" and not hidden
        assert not conn.execute(text("SELECT public_scorecard FROM service")).scalar_one()
        # Columns added later take their defaults on rows that were already there.
        assert conn.execute(text("SELECT version FROM question")).scalar_one() == 1
        limit = conn.execute(text("SELECT client_limit_per_minute FROM survey")).scalar_one()
        assert limit == 30
    engine.dispose()
