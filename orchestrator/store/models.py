"""The store's tables. Times are aware UTC (:class:`UTCDateTime`), money is ``Decimal``.

JSON columns hold what :func:`~orchestrator.store.types.to_jsonable` makes of a value:
amounts as strings, times as ISO 8601 text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from orchestrator.store.acting import current_via_token
from orchestrator.store.types import Money, UTCDateTime, utcnow

__all__ = [
    "ApiToken",
    "Approval",
    "AuditRecord",
    "BotConfigVersion",
    "BotRecord",
    "BotRecordVersion",
    "BotState",
    "BotWrittenRecord",
    "BusinessCalendar",
    "CaseEvent",
    "CredentialAccess",
    "CustomerTerm",
    "ExceptionCase",
    "ImportedStatement",
    "LoginFailure",
    "RobotRecord",
    "RunRecord",
    "Schedule",
    "StepRecord",
    "User",
    "WebSession",
    "WorkItem",
    "WorkQueue",
]

_LIVE_ITEM = text("state NOT IN ('retried', 'deleted')")
_NEW_ITEM = text("state = 'new'")
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
    time_limit_seconds: int | None = None  # a job of this bot is killed after this long
    max_concurrent_jobs: int | None = None  # None: no limit of its own
    registered_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RunRecord(SQLModel, table=True):
    """A job and its run, one record: ``pending`` until a robot claims it, then running.

    ``finbots run`` creates it already running (no robot); a schedule, a queue trigger or
    ``finbots jobs start`` creates it ``pending`` for a robot to claim.
    """

    __tablename__ = "run"
    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(index=True, max_length=100)
    bot_version: str | None = Field(default=None, max_length=40)
    status: str = Field(index=True, max_length=16)
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    host: str = Field(default="", max_length=255)
    pid: int | None = None
    trigger: str = Field(default="manual", max_length=16)  # manual | schedule | queue | cli
    schedule_id: int | None = Field(default=None, index=True)
    requested_by: str | None = Field(default=None, max_length=100)
    robot: str | None = Field(default=None, max_length=100, index=True)
    credentials: list[str] = Field(default_factory=list, sa_type=JSON)  # vault names it uses
    time_limit_seconds: int | None = None
    stop_requested_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    kill_requested_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
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
        # a claim's walk: new items only, in claim order (deadline first, none last;
        # priority; age), so finished items never cost a claim anything
        Index(
            "ix_work_item_claimable", "queue", text("(deadline IS NULL)"), "deadline",
            text("priority DESC"), "id", sqlite_where=_NEW_ITEM, postgresql_where=_NEW_ITEM,
        ),
        # the finance dashboard: items finished in a window, per process and day
        Index("ix_work_item_finished", "finished_at"),
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
        # the inbox: filtered by status, sorted by SLA due date or age; "mine"; per customer
        Index("ix_exception_case_status_sla", "status", "sla_due_at"),
        Index("ix_exception_case_status_created", "status", "created_at"),
        Index("ix_exception_case_owner", "owner", "status"),
        Index("ix_exception_case_customer", "customer_id"),
        # the inbox's counts and chips read only these, and a page's ids sorted by SLA, age
        # or amount: answered from the index alone (the id too, which PostgreSQL needs)
        Index("ix_exception_case_inbox", "status", "sla_due_at", "created_at", "reason_code",
              "owner", "amount", "id"),
        # the finance dashboard: straight-through items (no case for the item), cases
        # opened and resolved per day in a window
        Index("ix_exception_case_work_item", "work_item_id"),
        Index("ix_exception_case_created", "created_at"),
        Index("ix_exception_case_resolved", "resolved_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id")
    reference: str = Field(max_length=200, index=True)
    reason_code: str = Field(max_length=60, index=True)
    status: str = Field(default="open", max_length=24, index=True)  # see CaseStatus
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    rule: str | None = None
    candidates: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    evidence: list[str] = Field(default_factory=list, sa_type=JSON)
    amount: Decimal | None = Field(default=None, sa_type=Money)
    customer_id: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    bot: str | None = Field(default=None, max_length=100, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sla_due_at: dt.datetime = Field(sa_type=UTCDateTime)
    resolution: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    resolution_item_id: int | None = Field(default=None, foreign_key="work_item.id")
    resolved_by: str | None = Field(default=None, max_length=100)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: lower-case, accent-free words of the case for the inbox search (case_search.py)
    search_text: str = ""


class CaseEvent(SQLModel, table=True):
    """One entry of a case's history: created, claimed, assigned, comment, action, ..."""

    __tablename__ = "case_event"
    # the finance dashboard: reopened cases (rework) in a window
    __table_args__ = (Index("ix_case_event_kind_at", "kind", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=_fk("exception_case.id", nullable=False))
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    kind: str = Field(max_length=40)
    text: str = ""
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Approval(SQLModel, table=True):
    """Maker-checker: a write-off, refund or manual posting waiting for a second person."""

    __tablename__ = "approval"
    # the finance dashboard: approval delays of the approvals decided in a window
    __table_args__ = (Index("ix_approval_decided", "decided_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)  # write_off | refund | manual_posting
    case_id: int | None = Field(default=None, foreign_key="exception_case.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(default="EUR", max_length=3)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", max_length=16, index=True)
    requested_by: str = Field(max_length=100)
    requested_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = ""
    #: dual control: how many distinct people (never the requester) must approve
    approvals_needed: int = 1
    #: the approvals given so far, in order: ``{"by", "at", "note"}``
    approvals: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


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


class BotState(SQLModel, table=True):
    """A bot's persistent key-value state (``ctx.state(namespace)``): one JSON value per
    (bot, namespace, key)."""

    __tablename__ = "bot_state"
    __table_args__ = (UniqueConstraint("bot", "namespace", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(max_length=100)
    namespace: str = Field(max_length=100)
    key: str = Field(max_length=300)
    value: Any = Field(default=None, sa_type=JSON)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LearnedRuleRecord(SQLModel, table=True):
    """What a bot learned from a person's decision (``ctx.learned``): kind, key, value, the
    case it came from and who decided; withdrawn by a person, never deleted."""

    __tablename__ = "learned_rule"
    __table_args__ = (Index("ix_learned_rule_use", "bot", "kind", "withdrawn_at"),)
    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(max_length=100)
    kind: str = Field(max_length=200)
    key: str = Field(max_length=200)
    value: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    source_case: int | None = Field(default=None, index=True)
    created_by: str = Field(max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withdrawn_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: str | None = Field(default=None, max_length=100)


class AuditRecord(SQLModel, table=True):
    """One action a person took, or a bot decision that moved money: who, what, when.

    Append-only; ``hash`` chains ``prev_hash`` and the record's content so that an edited,
    removed or reordered record is detected by ``finbots audit verify``.
    """

    __tablename__ = "audit_record"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100, index=True)
    # The API token the actor acted through (``None``: in person, CLI, or the system).
    # Filled from the request being served (:mod:`.acting`) when not given.
    via_token: str | None = Field(default_factory=current_via_token, max_length=100)
    action: str = Field(max_length=60, index=True)
    target: str = Field(max_length=400)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class Schedule(SQLModel, table=True):
    """When to start a bot: cron, interval, one-off date, or new items in a queue."""

    __tablename__ = "schedule"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    bot: str = Field(max_length=100, index=True)
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    kind: str = Field(max_length=16)  # cron | interval | date | queue
    spec: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # the trigger's fields
    timezone: str = Field(default="UTC", max_length=64)
    calendar: str | None = Field(default=None, max_length=100)  # BusinessCalendar.name
    day_rule: str = Field(default="any", max_length=40)  # any, business_days, first_business_day
    misfire: str = Field(default="run_once", max_length=16)  # run_once | skip
    misfire_grace_seconds: int = 300
    coalesce: bool = True
    enabled: bool = True
    next_fire_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_fire_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BusinessCalendar(SQLModel, table=True):
    """Working days: which weekdays are off, and the holidays (ISO dates with a label)."""

    __tablename__ = "business_calendar"
    name: str = Field(primary_key=True, max_length=100)
    weekend: list[int] = Field(default_factory=lambda: [5, 6], sa_type=JSON)  # Mon=0
    holidays: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # "2026-12-25": label


class RobotRecord(SQLModel, table=True):
    """A worker process that claims jobs: registered, heartbeating, or unresponsive."""

    __tablename__ = "robot"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    host: str = Field(max_length=255)
    pid: int | None = None
    status: str = Field(default="idle", max_length=16)  # idle | busy | unresponsive | stopped
    slots: int = 1
    current_run_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    """A person who signs in. ``password_hash`` is argon2; ``roles`` name orchestrator roles."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=100)
    display_name: str = ""
    password_hash: str = Field(max_length=255)
    roles: list[str] = Field(default_factory=list, sa_type=JSON)
    disabled: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A browser sign-in. The cookie holds a random id; only its SHA-256 is stored."""

    __tablename__ = "web_session"
    id_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=100, index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # idle
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token for a robot or an integration; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=12)  # shown in lists so people can tell tokens apart
    kind: str = Field(default="integration", max_length=16)  # robot | integration
    roles: list[str] = Field(default_factory=list, sa_type=JSON)
    # The user the token acts as; it never holds a role its owner lacks (``None``: a token
    # made before tokens had owners, refused).
    owner: str | None = Field(default=None, max_length=100, index=True)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    """A failed sign-in: the name tried and the client it came from (throttling only)."""

    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    username: str = Field(max_length=100, index=True)
    client: str = Field(max_length=100, index=True)


class CredentialAccess(SQLModel, table=True):
    """Who read or changed which vault credential when. Never holds a value."""

    __tablename__ = "credential_access"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    credential: str = Field(max_length=200, index=True)
    version: int | None = None
    action: str = Field(max_length=16)  # read | write | rotate | confirm | delete | rekey
    actor: str = Field(max_length=100)  # a user, or bot:<name>
    run_id: int | None = Field(default=None, index=True)


class BotConfigVersion(SQLModel, table=True):
    """One saved version of a bot's configuration document (``ctx.config``): the YAML text
    as a person saved it, its digest, who, when and why. Versions are never changed or
    deleted; the newest is the one runs use."""

    __tablename__ = "bot_config_version"
    __table_args__ = (UniqueConstraint("bot", "name", "version", name="uq_bot_config_version"),)
    id: int | None = Field(default=None, primary_key=True)
    bot: str = Field(max_length=100)
    name: str = Field(max_length=100)
    version: int
    content: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    changed_by: str = Field(max_length=100)
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)
    # current (runs may use it), pending (a control setting changed: a second person must
    # approve it first) or rejected
    status: str = Field(default="current", max_length=16,
                        sa_column_kwargs={"server_default": "current"})
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class BotWrittenRecord(SQLModel, table=True):
    """The newest version of a record a bot wrote for people to read (``ctx.records``):
    one row per (kind, key), e.g. a promise to pay; every version in
    :class:`BotRecordVersion`."""

    __tablename__ = "bot_record"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_bot_record_kind_key"),
                      Index("ix_bot_record_customer", "customer_id", "kind"),
                      Index("ix_bot_record_kind_updated", "kind", "updated_at"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=100)
    key: str = Field(max_length=300)
    customer_id: str | None = Field(default=None, max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    version: int = 1
    bot: str = Field(max_length=100)  # the bot that wrote the newest version
    run_id: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BotRecordVersion(SQLModel, table=True):
    """One version of a bot-written record: its data, the run that wrote it and when.
    Never changed or deleted."""

    __tablename__ = "bot_record_version"
    __table_args__ = (UniqueConstraint("record_id", "version",
                                       name="uq_bot_record_version"),)
    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(sa_column=_fk("bot_record.id", nullable=False))
    version: int
    customer_id: str | None = Field(default=None, max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    bot: str = Field(max_length=100)
    run_id: str | None = Field(default=None, max_length=100)
    written_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerTerm(SQLModel, table=True):
    """One way people find a customer: a word of its name, its number, an invoice number,
    an IBAN or a bank reference, written when bots record customers, invoices and finance
    events (:mod:`orchestrator.store.customer_directory`). ``term`` is the text folded to
    lower-case letters and digits, so a prefix search walks the unique index."""

    __tablename__ = "customer_term"
    __table_args__ = (UniqueConstraint("term", "customer_id", "source",
                                       name="uq_customer_term"),
                      Index("ix_customer_term_customer", "customer_id"))
    id: int | None = Field(default=None, primary_key=True)
    term: str = Field(max_length=120)
    customer_id: str = Field(max_length=100)
    source: str = Field(max_length=20)  # name, number, invoice, iban, reference, document
    text: str = Field(max_length=200)  # as the bot read it (what a search result shows)
