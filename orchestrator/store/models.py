"""The store's tables. Times are aware UTC (:class:`UTCDateTime`), money is ``Decimal``.

JSON columns hold what :func:`~orchestrator.store.types.to_jsonable` makes of a value:
amounts as strings, times as ISO 8601 text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from orchestrator.store.types import Money, UTCDateTime, utcnow

__all__ = [
    "AuditRecord",
    "BotRecord",
    "ExceptionCase",
    "ImportedStatement",
    "RunRecord",
    "StepRecord",
    "WorkItem",
    "WorkQueue",
]

_LIVE_ITEM = text("state NOT IN ('retried', 'deleted')")
_OPEN_CASE = text("status IN ('open', 'in_progress')")


def _fk(target: str, nullable: bool = True) -> Any:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=True)


class BotRecord(SQLModel, table=True):
    __tablename__ = "bot"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    version: str = Field(max_length=40)
    description: str = ""
    apps: list[str] = Field(default_factory=list, sa_type=JSON)
    registered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RunRecord(SQLModel, table=True):
    __tablename__ = "run"
    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(index=True, max_length=100)
    bot_version: str | None = Field(default=None, max_length=40)
    status: str = Field(index=True, max_length=16)
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    host: str = Field(max_length=255)
    pid: int | None = None
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    error: str | None = None


class StepRecord(SQLModel, table=True):
    """One action of a run: what was done, where, with which data and rule, and how it went."""

    __tablename__ = "step"
    __table_args__ = (UniqueConstraint("run_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=_fk("run.id", nullable=False))
    seq: int
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    app: str | None = Field(default=None, max_length=100)
    selector: str | None = Field(default=None, max_length=200)
    locator: str | None = None
    action: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    rule: str | None = None
    outcome: str = Field(default="ok", max_length=16)
    duration_ms: int | None = None
    message: str | None = None
    evidence: str | None = None


class WorkQueue(SQLModel, table=True):
    __tablename__ = "work_queue"
    name: str = Field(primary_key=True, max_length=100)
    max_retries: int = 3
    lease_seconds: int = 60
    retry_backoff_seconds: float = 0.0  # clone waits base * 2**retry_count; 0 = at once
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkItem(SQLModel, table=True):
    __tablename__ = "work_item"
    __table_args__ = (
        Index(
            "uq_work_item_live_reference", "queue", "reference", unique=True,
            sqlite_where=_LIVE_ITEM, postgresql_where=_LIVE_ITEM,
        ),
        Index("ix_work_item_claim", "queue", "state", "deadline", "priority", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    queue: str = Field(
        sa_column=Column(String(100), ForeignKey("work_queue.name"), nullable=False)
    )
    reference: str = Field(max_length=200)
    state: str = Field(default="new", max_length=16)
    priority: int = 0
    deadline: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_before: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    output: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    retry_count: int = 0
    parent_id: int | None = Field(default=None, foreign_key="work_item.id")
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure_kind: str | None = Field(default=None, max_length=16)
    failure_code: str | None = Field(default=None, max_length=100)
    failure_message: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ExceptionCase(SQLModel, table=True):
    """What a bot must not decide alone, with the data, rule and evidence a person needs."""

    __tablename__ = "exception_case"
    __table_args__ = (
        Index(
            "uq_exception_case_open", "reference", "reason_code", unique=True,
            sqlite_where=_OPEN_CASE, postgresql_where=_OPEN_CASE,
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id")
    reference: str = Field(max_length=200, index=True)
    reason_code: str = Field(max_length=60, index=True)
    status: str = Field(default="open", max_length=16, index=True)
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    rule: str | None = None
    candidates: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    evidence: list[str] = Field(default_factory=list, sa_type=JSON)
    amount: Decimal | None = Field(default=None, sa_type=Money)
    customer_id: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sla_due_at: dt.datetime = Field(sa_type=UTCDateTime)


class ImportedStatement(SQLModel, table=True):
    """A bank statement already imported: (account, statement id, sequence) is unique."""

    __tablename__ = "imported_statement"
    __table_args__ = (UniqueConstraint("account_iban", "statement_id", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    account_iban: str = Field(max_length=34)
    statement_id: str = Field(max_length=100)
    sequence: str = Field(default="", max_length=40)  # "" when the format has none
    source: str = ""
    imported_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditRecord(SQLModel, table=True):
    """One action a person took (through the CLI): who, what, on which record, when."""

    __tablename__ = "audit_record"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100, index=True)
    action: str = Field(max_length=60, index=True)
    target: str = Field(max_length=400)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
