"""The state machines of work items, runs and exception cases — the one place they live.

Work item::

    new ──> in_progress ──> successful
     │           ├────────> failed ─────┐  (application failure, retries left)
     │           └────────> abandoned ──┴─> retried   (a clone ``new`` item carries on)
     └──> deleted

A business failure stays ``failed``: a bot never retries it, it becomes an exception case.
The table still allows ``failed -> retried`` for it because a person may retry it once the
data is fixed (``Store.retry_item``, the only caller that does so); the "never automatically"
rule lives where failures are recorded (``fail_item``), not in this table.

Run (= job)::

    pending ──> running ──> successful | failed | killed | abandoned | stopped
       │           └──> stopping ──> (the same ends)       stop asked, bot stops between items
       └──> stopped | killed | abandoned                   before a robot took it

Exception case::

    open <──> in_progress                                     claim, assign / release
    open, in_progress ──> awaiting_approval ──> awaiting_posting | resolved   approved
                                    └─────────> open                          rejected
    open, in_progress ──> awaiting_posting ──> resolved | open     posted | post failed
    open, in_progress ──> resolved | closed;   resolved ──> open (reopened) | closed
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from bots.runtime.errors import IllegalTransitionError

__all__ = [
    "CASE_TRANSITIONS",
    "ITEM_TRANSITIONS",
    "LIVE_ITEM_STATES",
    "RUN_TRANSITIONS",
    "CaseStatus",
    "FailureKind",
    "ItemState",
    "RunStatus",
    "guard",
]


class ItemState(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    ABANDONED = "abandoned"
    RETRIED = "retried"
    DELETED = "deleted"


class FailureKind(StrEnum):
    BUSINESS = "business"  # bad or missing data: never retried
    APPLICATION = "application"  # technical: retried up to the queue's limit


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESSFUL = "successful"
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"
    KILLED = "killed"
    ABANDONED = "abandoned"


class CaseStatus(StrEnum):
    OPEN = "open"  # waiting for a person (``owner`` may already be set)
    IN_PROGRESS = "in_progress"  # claimed by / assigned to ``owner``
    AWAITING_APPROVAL = "awaiting_approval"  # maker-checker: a second person must decide
    AWAITING_POSTING = "awaiting_posting"  # a bot posts the person's decision
    RESOLVED = "resolved"
    CLOSED = "closed"


_I, _R, _C = ItemState, RunStatus, CaseStatus

ITEM_TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    _I.NEW: frozenset({_I.IN_PROGRESS, _I.DELETED}),
    _I.IN_PROGRESS: frozenset({_I.SUCCESSFUL, _I.FAILED, _I.ABANDONED}),
    _I.FAILED: frozenset({_I.RETRIED}),
    _I.ABANDONED: frozenset({_I.RETRIED}),
    _I.SUCCESSFUL: frozenset(),
    _I.RETRIED: frozenset(),
    _I.DELETED: frozenset(),
}

_RUN_ENDS = frozenset({_R.SUCCESSFUL, _R.FAILED, _R.STOPPED, _R.KILLED, _R.ABANDONED})
RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    _R.PENDING: frozenset({_R.RUNNING, _R.STOPPED, _R.KILLED, _R.ABANDONED}),
    _R.RUNNING: _RUN_ENDS | {_R.STOPPING},
    _R.STOPPING: _RUN_ENDS,
    **{end: frozenset() for end in _RUN_ENDS},
}

_CASE_DECIDED = frozenset({_C.AWAITING_APPROVAL, _C.AWAITING_POSTING, _C.RESOLVED, _C.CLOSED})
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    _C.OPEN: _CASE_DECIDED | {_C.IN_PROGRESS},
    _C.IN_PROGRESS: _CASE_DECIDED | {_C.OPEN},
    # approved: executed (posting item queued, or resolved); rejected: back to open
    _C.AWAITING_APPROVAL: frozenset({_C.OPEN, _C.AWAITING_POSTING, _C.RESOLVED}),
    # the bot's posting succeeded: resolved; it failed: back to open
    _C.AWAITING_POSTING: frozenset({_C.OPEN, _C.RESOLVED}),
    _C.RESOLVED: frozenset({_C.OPEN, _C.CLOSED}),
    _C.CLOSED: frozenset(),
}

#: Items that hold their reference in the queue (the partial unique index excludes the rest).
LIVE_ITEM_STATES = frozenset(set(ItemState) - {_I.RETRIED, _I.DELETED})

_TABLES: dict[type[StrEnum], tuple[str, dict[Any, frozenset[Any]]]] = {
    ItemState: ("work item", ITEM_TRANSITIONS),
    RunStatus: ("run", RUN_TRANSITIONS),
    CaseStatus: ("exception case", CASE_TRANSITIONS),
}


S = TypeVar("S", ItemState, RunStatus, CaseStatus)


def guard(kind: type[S], current: str, target: str) -> S:
    """Return ``target`` as a ``kind`` member if ``current -> target`` is legal, else raise."""
    label, table = _TABLES[kind]
    try:
        now, then = kind(current), kind(target)
    except ValueError:
        raise IllegalTransitionError(label, current, target) from None
    if then not in table[now]:
        raise IllegalTransitionError(label, str(current), str(target))
    return then
