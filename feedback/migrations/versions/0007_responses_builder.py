"""How each response came in and who typed it in; translations that need review (issue 14).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("entered_by", sa.Integer(), nullable=True))
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_review", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("needs_review")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("entered_by")
        batch_op.drop_column("source")
