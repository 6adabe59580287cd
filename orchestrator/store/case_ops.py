"""What a person's resolution does once it may execute (at once, or when its approval is
given): hand the case's work item back to its bot with the decision, or record it.

The store knows nothing of any bot's domain: a resolution arrives already checked and
shaped (:class:`ResolutionRequest`) by the bot's own declaration, in the service layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from bots.runtime.queues import CASE_STAYS_OPEN
from orchestrator.store.case_events import add_event, move, resolve
from orchestrator.store.leases import retry_as_clone
from orchestrator.store.models import Approval, ExceptionCase, WorkItem
from orchestrator.store.money_moved import moved_record
from orchestrator.store.states import CaseStatus, ItemState
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["CaseOutcome", "ResolutionRequest", "execute"]


@dataclass(frozen=True, slots=True)
class ResolutionRequest:
    """A person's resolution as the store keeps it (also inside a pending approval).

    ``payload`` is merged into the work item the bot carries out; ``values`` are what the
    person entered; ``carried_out=False``: recorded only, the case resolves at once.
    ``approval_kind`` with an ``amount``: the resolution moves money (it counts against
    the approval threshold of the payment's later resolutions).
    """

    name: str
    values: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)
    carried_out: bool = True
    summary: str = ""
    amount: Decimal | None = None
    approval_kind: str | None = None

    def as_json(self) -> dict[str, Any]:
        return to_jsonable({"resolution": self.name, "values": dict(self.values),
                            "payload": dict(self.payload), "carried_out": self.carried_out,
                            "summary": self.summary, "amount": self.amount,
                            "approval_kind": self.approval_kind})

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ResolutionRequest:
        amount = raw.get("amount")
        return cls(name=str(raw["resolution"]), values=dict(raw.get("values") or {}),
                   payload=dict(raw.get("payload") or {}),
                   carried_out=bool(raw.get("carried_out", True)),
                   summary=str(raw.get("summary") or ""),
                   amount=None if amount in (None, "") else Decimal(str(amount)),
                   approval_kind=raw.get("approval_kind") or None)


@dataclass(slots=True)
class CaseOutcome:
    """What a resolution did: the case, the approval it now waits for, the bot's work item."""

    case: ExceptionCase
    approval: Approval | None = None
    work_item: WorkItem | None = None


def failed_item(s: Session, case: ExceptionCase) -> WorkItem:
    """The case's work item to hand back to the bot (locked): the one the bot last failed,
    or the completed decision item that left the case open."""
    source_id = case.resolution_item_id or case.work_item_id
    if source_id is None:
        raise ValueError(f"case {case.id} has no work item a bot could carry out")
    item = s.exec(select(WorkItem).where(WorkItem.id == source_id).with_for_update()).first()
    if item is None:
        raise NotFoundError(f"no work item {source_id!r}")
    if item.state not in (ItemState.FAILED, ItemState.ABANDONED) and not _kept_open(item):
        raise IllegalTransitionError("work item", item.state, ItemState.RETRIED)
    return item


def _kept_open(item: WorkItem) -> bool:
    return item.state == ItemState.SUCCESSFUL and bool((item.output or {}).get(CASE_STAYS_OPEN))


def _next_reference(item: WorkItem) -> str:
    """A completed item keeps its reference: the next decision's item is ``<ref>~<id>``."""
    base = re.sub(r"~\d+$", "", item.reference)
    suffix = f"~{item.id}"
    return base[:200 - len(suffix)] + suffix


def hand_back(s: Session, case: ExceptionCase, payload: Mapping[str, Any]) -> WorkItem:
    """Clone the case's failed item into its queue with ``payload`` (or, after a decision
    that left the case open, queue a new item after it); the case waits for the bot
    (resolved when the bot completes the clone, reopened when it fails it)."""
    item = failed_item(s, case)
    if _kept_open(item):
        clone = WorkItem(queue=item.queue, reference=_next_reference(item),
                         payload=item.payload, priority=item.priority, deadline=item.deadline,
                         parent_id=item.id)
    else:
        found = retry_as_clone(s, item, utcnow(), manual=True)
        assert found is not None  # a person's retry has no retry limit
        clone = found
    clone.payload = to_jsonable({**item.payload, **payload, "resolves_case": case.id})
    s.add(clone)
    s.flush()
    move(case, CaseStatus.AWAITING_POSTING)
    case.resolution_item_id = clone.id
    s.add(case)
    return clone


def execute(s: Session, case: ExceptionCase, request: ResolutionRequest, by: str,
            approved_by: str | None = None) -> WorkItem | None:
    """Carry out ``request`` for ``case`` (locked, in ``s``): the bot's item, or None."""
    summary = request.summary or request.name.replace("_", " ")
    record = {"action": request.name, **request.values, "summary": summary,
              "requested_by": by, "approved_by": approved_by}
    moved = moved_record(request.approval_kind, request.amount)
    if moved is not None:  # what a reopen is checked against
        record.update(amount=request.amount, approval_kind=request.approval_kind)
    if not request.carried_out:
        resolve(s, case, approved_by or by, record if moved is None
                else {**record, "moved": moved}, summary, resolved_by=by)
        case.resolution = to_jsonable(record)  # the history entry counts it, never a copy
        return None
    decision = {"name": request.name, "values": dict(request.values), "case_id": case.id,
                "by": by, "approved_by": approved_by}
    clone = hand_back(s, case, {**request.payload, "resolution": decision})
    case.resolution = to_jsonable({**record, "work_item_id": clone.id})
    s.add(case)
    details: dict[str, Any] = {"action": request.name, "work_item_id": clone.id}
    if moved is not None:
        details["moved"] = {**moved, "work_item_id": clone.id}
    add_event(s, case.id or 0, approved_by or by, "action",
              f"{summary}; queued for the bot (work item {clone.id})", details)
    return clone

