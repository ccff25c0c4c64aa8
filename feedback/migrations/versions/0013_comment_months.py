"""Monthly term and theme counts of comments, filled from the daily ones.

The daily rows are already in each service's local days, so a local month is the month of
its days: summing them gives the same numbers the incremental path keeps from now on.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_S = AutoString


def upgrade() -> None:
    op.create_table(
        "comment_term_month",
        sa.Column("survey_id", _S(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", _S(length=20), nullable=False),
        sa.Column("language", _S(length=8), nullable=False),
        sa.Column("term", _S(length=60), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.PrimaryKeyConstraint("survey_id", "month", "channel", "language", "term"),
    )
    op.create_table(
        "comment_theme_month",
        sa.Column("survey_id", _S(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", _S(length=20), nullable=False),
        sa.Column("language", _S(length=8), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("score_sq", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.PrimaryKeyConstraint("survey_id", "month", "channel", "language", "theme_id"),
    )
    # SQLite stores dates as 'YYYY-MM-DD' text; PostgreSQL as dates.
    if op.get_bind().dialect.name == "postgresql":
        month = "CAST(date_trunc('month', day) AS date)"
    else:
        month = "substr(day, 1, 8) || '01'"
    op.execute(
        "INSERT INTO comment_term_month (survey_id, month, channel, language, term, n) "
        f"SELECT survey_id, {month}, channel, language, term, SUM(n) FROM comment_term_day "
        f"GROUP BY survey_id, {month}, channel, language, term"
    )
    op.execute(
        "INSERT INTO comment_theme_month (survey_id, month, channel, language, theme_id, n, "
        "scored, score_sum, score_sq) "
        f"SELECT survey_id, {month}, channel, language, theme_id, SUM(n), SUM(scored), "
        "SUM(score_sum), SUM(score_sq) FROM comment_theme_day "
        f"GROUP BY survey_id, {month}, channel, language, theme_id"
    )


def downgrade() -> None:
    op.drop_table("comment_theme_month")
    op.drop_table("comment_term_month")
