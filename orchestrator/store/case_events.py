"""A case's history and guarded moves, inside an open transaction.

Shared by case work, approvals and the work-item hooks (it imports nothing that imports
the leases, so the hooks can live in :mod:`orchestrator.store.leases`' import graph).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from bots.runtime.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError
from orchestrator.store.models import CaseEvent, ExceptionCase, RunRecord
from orchestrator.store.states import CaseStatus, guard
from orchestrator.store.types import to_jsonable, utcnow

__all__ = [
    "ACTIVE",
    "add_event",
    "bot_actor",
    "check_workable",
    "locked_case",
    "move",
    "resolve",
]

#: A person can work the case (claim, act); the other statuses wait for someone or are done.
ACTIVE = frozenset({CaseStatus.OPEN, CaseStatus.IN_PROGRESS})


def locked_case(s: Session, case_id: int) -> ExceptionCase:
    case = s.exec(
        select(ExceptionCase).where(ExceptionCase.id == case_id).with_for_update()
    ).first()
    if case is None:
        raise NotFoundError(f"no exception case {case_id!r}")
    return case


def add_event(
    s: Session, case_id: int, actor: str, kind: str, text: str = "",
    details: Mapping[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(case_id=case_id, actor=actor, kind=kind, text=text,
                      details=to_jsonable(dict(details or {})))
    s.add(event)
    return event


def move(case: ExceptionCase, status: str) -> None:
    case.status = guard(CaseStatus, case.status, status)


def check_workable(case: ExceptionCase, actor: str) -> None:
    """A person may act on an active case that is theirs or nobody's (taking it over)."""
    if case.status not in ACTIVE:
        raise IllegalTransitionError("exception case", case.status, "worked")
    if case.owner not in (None, actor):
        raise PermissionDeniedError(f"case {case.id} is assigned to {case.owner}; ask them or "
                                    "have it reassigned to you first")
    if case.owner is None:
        case.owner = actor


def resolve(
    s: Session, case: ExceptionCase, actor: str, resolution: Mapping[str, Any], text: str,
    *, resolved_by: str | None = None,
) -> None:
    move(case, CaseStatus.RESOLVED)
    case.resolution = to_jsonable(dict(resolution))
    case.resolved_by, case.resolved_at = resolved_by or actor, utcnow()
    s.add(case)
    add_event(s, case.id or 0, actor, "resolved", text, resolution)


def bot_actor(s: Session, run_id: int | None) -> str:
    run = s.get(RunRecord, run_id) if run_id is not None else None
    return f"bot:{run.bot}" if run is not None else "bot"
