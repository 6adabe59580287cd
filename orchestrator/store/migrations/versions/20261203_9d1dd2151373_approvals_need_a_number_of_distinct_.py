"""Approvals need a number of distinct approvers (dual control)

Revision ID: 9d1dd2151373
Revises: 27d235541c69
Create Date: 2026-12-03 09:06:40.732097
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9d1dd2151373"
down_revision: str | tuple[str, ...] | None = "27d235541c69"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    # approvals asked before needed one approver and hold none given yet
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approvals_needed", sa.Integer(), nullable=False,
                                      server_default="1"))
        batch_op.add_column(sa.Column("approvals", sa.JSON(), nullable=False,
                                      server_default="[]"))


def downgrade() -> None:
    # finbots has no downgrade: an operator restores the backup taken before the upgrade.
    raise NotImplementedError(
        "finbots has no downgrade: restore the backup taken before the upgrade "
        "(finbots db restore FILE)"
    )
