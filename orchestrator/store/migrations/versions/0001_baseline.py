"""The baseline: the store's schema as finbots created it before migrations existed.

Every table, column and index that ``create_all`` made at that point, in frozen form (plain
SQLAlchemy types: the schema, not today's Python classes). A store created before migrations
is adopted by ``finbots db upgrade``: what this baseline has and the store lacks (a table or
column added by a later version of that time, such as ``api_token.owner``,
``audit_record.via_token`` or ``login_failure``) is added, then the store is stamped here.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision: str | None = None
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    build(op)


def downgrade() -> None:
    raise NotImplementedError(
        "finbots has no downgrade: restore the backup taken before the upgrade "
        "(finbots db restore FILE)"
    )


def build(ops: Any) -> None:
    """Create the baseline's tables and indexes through ``ops`` (alembic's ``op``, or a
    recorder that collects them, see :mod:`orchestrator.store.legacy`)."""
    ops.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("token_hash"),
    )
    ops.create_index(ops.f("ix_api_token_owner"), "api_token", ["owner"], unique=False)
    ops.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    ops.create_table(
        "audit_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("via_token", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_audit_record_action"), "audit_record", ["action"], unique=False)
    ops.create_index(ops.f("ix_audit_record_actor"), "audit_record", ["actor"], unique=False)
    ops.create_index(ops.f("ix_audit_record_at"), "audit_record", ["at"], unique=False)
    ops.create_table(
        "bot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("apps", sa.JSON(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=True),
        sa.Column("max_concurrent_jobs", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    ops.create_table(
        "bot_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(length=100), nullable=False),
        sa.Column("namespace", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bot", "namespace", "key"),
    )
    ops.create_table(
        "business_calendar",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("weekend", sa.JSON(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    ops.create_table(
        "credential_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credential", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_credential_access_at"), "credential_access", ["at"], unique=False)
    ops.create_index(
        ops.f("ix_credential_access_credential"), "credential_access", ["credential"], unique=False
    )
    ops.create_index(
        ops.f("ix_credential_access_run_id"), "credential_access", ["run_id"], unique=False
    )
    ops.create_table(
        "imported_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("statement_id", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_iban", "statement_id", "sequence"),
    )
    ops.create_table(
        "learned_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("source_case", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(
        ops.f("ix_learned_rule_source_case"), "learned_rule", ["source_case"], unique=False
    )
    ops.create_index(
        "ix_learned_rule_use", "learned_rule", ["bot", "kind", "withdrawn_at"], unique=False
    )
    ops.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_login_failure_at"), "login_failure", ["at"], unique=False)
    ops.create_index(ops.f("ix_login_failure_client"), "login_failure", ["client"], unique=False)
    ops.create_index(
        ops.f("ix_login_failure_username"), "login_failure", ["username"], unique=False
    )
    ops.create_table(
        "robot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("current_run_ids", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    ops.create_table(
        "run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot", sa.String(length=100), nullable=False),
        sa.Column("bot_version", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column("robot", sa.String(length=100), nullable=True),
        sa.Column("credentials", sa.JSON(), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=True),
        sa.Column("stop_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kill_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_run_bot"), "run", ["bot"], unique=False)
    ops.create_index(ops.f("ix_run_robot"), "run", ["robot"], unique=False)
    ops.create_index(ops.f("ix_run_schedule_id"), "run", ["schedule_id"], unique=False)
    ops.create_index(ops.f("ix_run_status"), "run", ["status"], unique=False)
    ops.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("bot", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("calendar", sa.String(length=100), nullable=True),
        sa.Column("day_rule", sa.String(length=40), nullable=False),
        sa.Column("misfire", sa.String(length=16), nullable=False),
        sa.Column("misfire_grace_seconds", sa.Integer(), nullable=False),
        sa.Column("coalesce", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    ops.create_index(ops.f("ix_schedule_bot"), "schedule", ["bot"], unique=False)
    ops.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    ops.create_index(ops.f("ix_web_session_username"), "web_session", ["username"], unique=False)
    ops.create_table(
        "work_queue",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("max_retries", sa.Integer(), nullable=False),
        sa.Column("lease_seconds", sa.Integer(), nullable=False),
        sa.Column("retry_backoff_seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    ops.create_table(
        "step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("app", sa.String(length=100), nullable=True),
        sa.Column("selector", sa.String(length=200), nullable=True),
        sa.Column("locator", sa.String(), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("evidence", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "seq"),
    )
    ops.create_index(ops.f("ix_step_run_id"), "step", ["run_id"], unique=False)
    ops.create_table(
        "work_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_kind", sa.String(length=16), nullable=True),
        sa.Column("failure_code", sa.String(length=100), nullable=True),
        sa.Column("failure_message", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["work_item.id"],
        ),
        sa.ForeignKeyConstraint(
            ["queue"],
            ["work_queue.name"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(
        "ix_work_item_claim",
        "work_item",
        ["queue", "state", "deadline", "priority", "id"],
        unique=False,
    )
    ops.create_index(ops.f("ix_work_item_run_id"), "work_item", ["run_id"], unique=False)
    ops.create_index(
        "uq_work_item_live_reference",
        "work_item",
        ["queue", "reference"],
        unique=True,
        sqlite_where=sa.text("state NOT IN ('retried', 'deleted')"),
        postgresql_where=sa.text("state NOT IN ('retried', 'deleted')"),
    )
    ops.create_table(
        "exception_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("reason_code", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("customer_id", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("bot", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.JSON(), nullable=True),
        sa.Column("resolution_item_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resolution_item_id"],
            ["work_item.id"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["run.id"],
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            ["work_item.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_exception_case_bot"), "exception_case", ["bot"], unique=False)
    ops.create_index("ix_exception_case_customer", "exception_case", ["customer_id"], unique=False)
    ops.create_index("ix_exception_case_owner", "exception_case", ["owner", "status"], unique=False)
    ops.create_index(
        ops.f("ix_exception_case_reason_code"), "exception_case", ["reason_code"], unique=False
    )
    ops.create_index(
        ops.f("ix_exception_case_reference"), "exception_case", ["reference"], unique=False
    )
    ops.create_index(ops.f("ix_exception_case_run_id"), "exception_case", ["run_id"], unique=False)
    ops.create_index(ops.f("ix_exception_case_status"), "exception_case", ["status"], unique=False)
    ops.create_index(
        "ix_exception_case_status_created", "exception_case", ["status", "created_at"], unique=False
    )
    ops.create_index(
        "ix_exception_case_status_sla", "exception_case", ["status", "sla_due_at"], unique=False
    )
    ops.create_index(
        "uq_exception_case_open",
        "exception_case",
        ["reference", "reason_code"],
        unique=True,
        sqlite_where=sa.text("status IN ('open', 'in_progress')"),
        postgresql_where=sa.text("status IN ('open', 'in_progress')"),
    )
    ops.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["exception_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_approval_case_id"), "approval", ["case_id"], unique=False)
    ops.create_index(ops.f("ix_approval_status"), "approval", ["status"], unique=False)
    ops.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["exception_case.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    ops.create_index(ops.f("ix_case_event_case_id"), "case_event", ["case_id"], unique=False)
