"""What a payment's cases have moved so far, so the approval threshold cannot be split.

A resolution that names an approval kind and an amount moves money (an allocation, a
refund, a write-off). When it executes, its case event carries a ``moved`` record
(``{"amount", "kind", "work_item_id"}``); :func:`moved_before` adds up those records over
every case of the same payment (the bot's cases with the same reference), plus the
approvals still pending on them. The new request's amount is checked against the
threshold together with that sum, so six refunds of 100.00 on one payment, or three
write-offs, cannot each stay under a threshold of 100.00.

A carried-out resolution whose work item the bot failed for good moved nothing and no
longer counts; one still queued, being worked, retried or completed does.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from bots.runtime.errors import NotFoundError
from orchestrator.store.case_events import add_event, move
from orchestrator.store.models import Approval, CaseEvent, ExceptionCase, WorkItem
from orchestrator.store.states import CaseStatus, ItemState

__all__ = ["REOPEN", "lock_payment_cases", "moved_before", "moved_by", "moved_record", "reopen"]

PENDING = "pending"
#: the approval kind of reopening a case whose resolution moved money
REOPEN = "reopen"
_FAILED_FOR_GOOD = (ItemState.FAILED, ItemState.DELETED)  # abandoned ones are retried
_MAX_CHAIN = 1000


def moved_record(kind: str | None, amount: Decimal | None,
                 work_item_id: int | None = None) -> dict[str, Any] | None:
    """The ``moved`` record of an executed resolution, or None when it moves no money."""
    if kind is None or amount is None or Decimal(amount) <= 0:
        return None
    return {"amount": f"{Decimal(amount):.2f}", "kind": kind, "work_item_id": work_item_id}


def moved_by(resolution: dict[str, Any] | None) -> tuple[str, Decimal] | None:
    """``(kind, amount)`` when the case's recorded resolution moved money, else None."""
    if not resolution:
        return None
    kind, amount = resolution.get("approval_kind"), resolution.get("amount")
    if not kind or amount in (None, ""):
        return None
    value = Decimal(str(amount))
    return (str(kind), value) if value > 0 else None


def reopen(s: Session, case: ExceptionCase, actor: str, text: str) -> None:
    """Move the resolved ``case`` (locked, in ``s``) back to open, with its history entry."""
    move(case, CaseStatus.OPEN)
    case.resolved_at = case.resolved_by = None
    s.add(case)
    add_event(s, case.id or 0, actor, "reopened", text)


def lock_payment_cases(s: Session, case_id: int, *,
                       lock: bool = True) -> tuple[ExceptionCase, list[int]]:
    """Lock the case and every case of the same payment (same bot, same reference), in id
    order (two requests on cases of one payment wait for each other, never deadlock).

    Returns the case and the ids of all of them (itself included); ``lock=False`` reads
    them only.
    """
    head = s.exec(select(ExceptionCase.reference, ExceptionCase.bot)
                  .where(ExceptionCase.id == case_id)).first()
    if head is None:
        raise NotFoundError(f"no exception case {case_id!r}")
    reference, bot = head
    query = (select(ExceptionCase).where(ExceptionCase.reference == reference)
             .where(ExceptionCase.bot == bot if bot is not None
                    else col(ExceptionCase.bot).is_(None))
             .order_by(col(ExceptionCase.id)))
    cases = list(s.exec(query.with_for_update() if lock else query))
    case = next((c for c in cases if c.id == case_id), None)
    if case is None:  # changed meanwhile: lock the one asked for
        case = s.exec(select(ExceptionCase).where(ExceptionCase.id == case_id)
                      .with_for_update()).one()
        cases.append(case)
    return case, [c.id for c in cases if c.id is not None]


def moved_before(s: Session, case_ids: Sequence[int], kind: str | None = None) -> Decimal:
    """Money the cases' resolutions moved (or wait for approval to move) so far; with
    ``kind``, only what resolutions of that approval kind moved (e.g. refunds)."""
    if not case_ids:
        return Decimal("0")
    total = Decimal("0")
    events = s.exec(select(CaseEvent).where(col(CaseEvent.case_id).in_(list(case_ids)))
                    .where(col(CaseEvent.kind).in_(("resolved", "action"))))
    for event in events:
        record = (event.details or {}).get("moved")
        if not isinstance(record, dict) or record.get("amount") in (None, ""):
            continue
        if kind is not None and record.get("kind") != kind:
            continue
        item_id = record.get("work_item_id")
        if item_id is not None and _failed_for_good(s, int(item_id)):
            continue
        total += Decimal(str(record["amount"]))
    pending_query = (select(Approval.amount, Approval.payload)
                     .where(col(Approval.case_id).in_(list(case_ids)))
                     .where(Approval.status == PENDING))
    if kind is not None:
        pending_query = pending_query.where(Approval.kind == kind)
    pending = s.exec(pending_query)
    for amount, payload in pending:
        if not (payload or {}).get("reopen"):
            total += Decimal(amount)
    return total


def _failed_for_good(s: Session, item_id: int) -> bool:
    """Whether the bot gave up on the item and on every retry of it (nothing was moved)."""
    for _ in range(_MAX_CHAIN):
        item = s.get(WorkItem, item_id)
        if item is None:
            return False
        if item.state != ItemState.RETRIED:
            return item.state in _FAILED_FOR_GOOD
        child = s.exec(select(WorkItem.id).where(WorkItem.parent_id == item_id)
                       .order_by(col(WorkItem.id).desc())).first()
        if child is None:
            return False
        item_id = child
    return False
