"""What citizens see of the service asking: accent colour, own address, logo.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accent_colour", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("site_url", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("logo_version", sa.String(length=16), nullable=True))
    op.create_table(
        "servicelogo",
        sa.Column("service_id", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.PrimaryKeyConstraint("service_id"),
    )


def downgrade() -> None:
    op.drop_table("servicelogo")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("logo_version")
        batch_op.drop_column("site_url")
        batch_op.drop_column("accent_colour")
