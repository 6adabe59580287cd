"""What a resolution does once it may execute (at once, or when its approval is given):
queue the bot's posting of a person's allocation, or record the resolution."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.cases.actions import Action
from orchestrator.cases.allocations import PostingPlan, plan_posting
from orchestrator.store.case_events import add_event, move, resolve
from orchestrator.store.leases import retry_as_clone
from orchestrator.store.models import Approval, ExceptionCase, WorkItem
from orchestrator.store.states import CaseStatus, ItemState
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["EXECUTORS", "CaseOutcome", "plan_for", "queue_posting"]


def queue_posting(
    s: Session, case: ExceptionCase, plan: PostingPlan, *, applied_by: str,
    approved_by: str | None = None, note: str = "",
) -> WorkItem:
    """Clone the case's failed work item with the person's allocations for the bot to post.

    The original becomes ``retried``; the clone carries ``resolves_case``, so the case is
    resolved when the bot completes it (and reopened if the bot fails it).
    """
    source_id = case.resolution_item_id or case.work_item_id
    if source_id is None:
        raise ValueError(f"case {case.id} has no work item a bot could post")
    item = s.exec(select(WorkItem).where(WorkItem.id == source_id).with_for_update()).first()
    if item is None:
        raise NotFoundError(f"no work item {source_id!r}")
    if item.state not in (ItemState.FAILED, ItemState.ABANDONED):
        raise IllegalTransitionError("work item", item.state, ItemState.RETRIED)
    clone = retry_as_clone(s, item, utcnow(), manual=True)
    assert clone is not None  # manual clones have no retry limit
    by = f"{applied_by}, approved by {approved_by}" if approved_by else applied_by
    clone.payload = {
        **item.payload, **plan.as_json(), "decision": "post", "reason": None,
        "rule": f"manual: applied by {applied_by} in case {case.id}",
        "explanation": f"applied by {by} in case {case.id}" + (f": {note}" if note else ""),
        "confidence": 1.0, "resolves_case": case.id, "applied_by": applied_by,
        "approved_by": approved_by,
    }
    s.add(clone)
    s.flush()
    move(case, CaseStatus.AWAITING_POSTING)
    case.resolution_item_id = clone.id
    case.resolution = to_jsonable({"action": "apply", **plan.as_json(), "applied_by": applied_by,
                                   "approved_by": approved_by, "note": note,
                                   "work_item_id": clone.id})
    s.add(case)
    invoices = ", ".join(f"{a.invoice_number} {a.amount:.2f}" for a in plan.allocations)
    add_event(s, case.id or 0, approved_by or applied_by, "action",
              f"applied to {invoices}; posting queued for the bot (work item {clone.id})",
              {"action": "apply", "work_item_id": clone.id, **plan.as_json()})
    return clone


Executor = Callable[[Session, ExceptionCase, Mapping[str, Any], str, "str | None"], Any]


@dataclass(slots=True)
class CaseOutcome:
    """What an action did: the case, the approval it now waits for, the bot's work item."""

    case: ExceptionCase
    approval: Approval | None = None
    work_item: WorkItem | None = None


def plan_for(case: ExceptionCase, allocations: Sequence[Mapping[str, Any]],
             customer_id: str | None = None) -> PostingPlan:
    return plan_posting(allocations, payment_amount=case.amount, candidates=case.candidates,
                        customer_id=customer_id or None, default_customer=case.customer_id)


def _apply(s: Session, case: ExceptionCase, p: Mapping[str, Any], by: str,
           approver: str | None) -> WorkItem:
    plan = plan_for(case, p["requested"], p.get("customer_id"))
    return queue_posting(s, case, plan, applied_by=by, approved_by=approver,
                         note=p.get("note", ""))


def _resolution(text: str) -> Executor:
    def execute(s: Session, case: ExceptionCase, p: Mapping[str, Any], by: str,
                approver: str | None) -> None:
        details = {**p, "requested_by": by, "approved_by": approver}
        what = text.format(amount=p.get("amount", ""), currency=p.get("currency", "EUR"))
        note = f": {p['note']}" if p.get("note") else ""
        resolve(s, case, approver or by, details, f"{what}{note}", resolved_by=by)
    return execute


#: What runs when an action executes (at once, or when its approval is given).
EXECUTORS: dict[Action, Executor] = {
    Action.APPLY: _apply,
    Action.ON_ACCOUNT: _resolution("left on the customer's account, nothing posted"),
    Action.REFUND: _resolution("flagged for a refund of {amount} {currency}"),
    Action.WRITE_OFF: _resolution("difference of {amount} {currency} written off"),
}
