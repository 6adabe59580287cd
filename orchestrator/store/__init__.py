"""The orchestrator store (SQLModel on SQLite or PostgreSQL).

Tables live in :mod:`.models`, state machines in :mod:`.states`, engine set-up in
:mod:`.engine`; :class:`Store` is the API, composed from one module per concern
(:mod:`.runs`, :mod:`.queues`, :mod:`.leases`, :mod:`.recovery`, :mod:`.cases`,
:mod:`.statements`, :mod:`.audit`).
"""

from orchestrator.store.audit import current_actor
from orchestrator.store.models import (
    AuditRecord,
    BotRecord,
    ExceptionCase,
    ImportedStatement,
    RunRecord,
    StepRecord,
    WorkItem,
    WorkQueue,
)
from orchestrator.store.recovery import pid_alive
from orchestrator.store.statements import StatementKey
from orchestrator.store.states import CaseStatus, FailureKind, ItemState, RunStatus
from orchestrator.store.store import Store
from orchestrator.store.types import to_jsonable, utcnow

__all__ = [
    "AuditRecord",
    "BotRecord",
    "CaseStatus",
    "ExceptionCase",
    "FailureKind",
    "ImportedStatement",
    "ItemState",
    "RunRecord",
    "RunStatus",
    "StatementKey",
    "StepRecord",
    "Store",
    "WorkItem",
    "WorkQueue",
    "current_actor",
    "pid_alive",
    "to_jsonable",
    "utcnow",
]
