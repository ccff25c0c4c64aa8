"""Driver pair aggregates, comment moderation, public scorecards, alerts, staff emails.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:56:40.469835
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "service_id", name="uq_alert_subscription"),
    )
    with op.batch_alter_table("alert_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_subscription_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "alert_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.String(length=16), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("webhook_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "channel", "period", name="uq_alert_signal"),
    )
    op.create_table(
        "answer_pair_day",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("touchpoint", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("outcome_value", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["question.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
        ),
        sa.PrimaryKeyConstraint(
            "question_id",
            "outcome_id",
            "day",
            "channel",
            "language",
            "touchpoint",
            "value",
            "outcome_value",
        ),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("hidden_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_scorecard", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("email")

    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("public_scorecard")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("hidden_by")
        batch_op.drop_column("hidden")

    op.drop_table("answer_pair_day")
    op.drop_table("alert_signal")
    with op.batch_alter_table("alert_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_subscription_user_id"))

    op.drop_table("alert_subscription")
