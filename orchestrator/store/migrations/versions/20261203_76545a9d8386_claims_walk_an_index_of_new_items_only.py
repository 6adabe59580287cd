"""Claims walk an index of new items only (``ix_work_item_claimable``).

A claim's ``SELECT ... ORDER BY ... LIMIT 1 FOR UPDATE SKIP LOCKED`` reads the first entry of
this partial index: however many finished items a queue holds, they cost a claim nothing.
Also the inbox's covering index ``ix_exception_case_inbox`` (status, SLA due, opened, reason,
owner), added to the models at the same time.

Revision ID: 76545a9d8386
Revises: 0001_baseline
Create Date: 2026-12-03 06:14:57.325866
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "76545a9d8386"
down_revision: str | tuple[str, ...] | None = "0001_baseline"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exception_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exception_case_inbox",
            ["status", "sla_due_at", "created_at", "reason_code", "owner"],
            unique=False,
        )

    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_item_claimable",
            [
                "queue",
                sa.literal_column("(deadline IS NULL)"),
                "deadline",
                sa.literal_column("priority DESC"),
                "id",
            ],
            unique=False,
            sqlite_where=sa.text("state = 'new'"),
            postgresql_where=sa.text("state = 'new'"),
        )


def downgrade() -> None:
    # finbots has no downgrade: an operator restores the backup taken before the upgrade.
    raise NotImplementedError(
        "finbots has no downgrade: restore the backup taken before the upgrade "
        "(finbots db restore FILE)"
    )
