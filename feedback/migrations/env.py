"""Alembic environment: runs on the connection that `feedback.schema` hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import feedback.core.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from feedback.core.models.comments import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
    include_object=include_object,  # the SQLite full-text tables are made by hand
)
with context.begin_transaction():
    context.run_migrations()
