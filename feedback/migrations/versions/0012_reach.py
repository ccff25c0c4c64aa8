"""Reach: opportunities counted, interactions served, invitations after an interaction.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "opportunity_day",
        sa.Column("survey_id", sa.String(length=16), sa.ForeignKey("survey.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("touchpoint", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("survey_id", "day", "channel", "touchpoint"),
    )
    op.create_table(
        "opportunity_batch",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", "key"),
    )
    op.create_index("ix_opportunity_batch_created_at", "opportunity_batch", ["created_at"])
    op.create_table(
        "interaction_count",
        sa.Column("service_id", sa.String(length=40), sa.ForeignKey("service.id"), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "channel", "start"),
    )
    op.create_table(
        "invitation_rule",
        sa.Column("survey_id", sa.String(length=16), sa.ForeignKey("survey.id"), nullable=False),
        sa.Column("sample_percent", sa.Integer(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("frequency_days", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("reminder_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("survey_id"),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.String(length=16), sa.ForeignKey("survey.id"), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("medium", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("contact_hash", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("touchpoint", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("ended_at", _utc(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("remind_at", _utc(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_invitation_survey_id", "invitation", ["survey_id"])
    op.create_index("ix_invitation_status_due", "invitation", ["status", "due_at"])
    op.create_index("ix_invitation_contact", "invitation", ["contact_hash"])
    op.create_table(
        "contact_mark",
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "contact_hash"),
    )
    op.create_index("ix_contact_mark_expires_at", "contact_mark", ["expires_at"])
    op.create_table(
        "contact_opt_out",
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "contact_hash"),
    )


def downgrade() -> None:
    for table in (
        "contact_opt_out",
        "contact_mark",
        "invitation",
        "invitation_rule",
        "interaction_count",
        "opportunity_batch",
        "opportunity_day",
    ):
        op.drop_table(table)
