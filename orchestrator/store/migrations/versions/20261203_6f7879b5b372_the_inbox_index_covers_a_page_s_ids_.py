"""The inbox index covers a page's ids sorted by SLA, age or amount.

``ix_exception_case_inbox`` gains the amount and the id: PostgreSQL answers the inbox's
pages (the ids of the cases to show, by SLA due date or amount, with a reason filter) from
the index alone instead of reading the cases' rows.

Revision ID: 6f7879b5b372
Revises: 8f4358e71fa2
Create Date: 2026-12-03 09:24:32.641155
"""

from __future__ import annotations

from alembic import op

revision = "6f7879b5b372"
down_revision: str | tuple[str, ...] | None = "8f4358e71fa2"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exception_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_case_inbox"))
        batch_op.create_index(
            "ix_exception_case_inbox",
            ["status", "sla_due_at", "created_at", "reason_code", "owner", "amount", "id"],
            unique=False,
        )


def downgrade() -> None:
    # finbots has no downgrade: an operator restores the backup taken before the upgrade.
    raise NotImplementedError(
        "finbots has no downgrade: restore the backup taken before the upgrade "
        "(finbots db restore FILE)"
    )
