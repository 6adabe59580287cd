"""When the bot releases a work item that carries a person's decision (``resolves_case``),
the case follows: resolved when the posting succeeded, back to open when it failed for good.

Called by :meth:`~orchestrator.store.leases.LeasesMixin.complete_item` and ``fail_item``
inside their transaction; items without ``resolves_case`` cost one dictionary lookup.
"""

from __future__ import annotations

from sqlmodel import Session

from orchestrator.store.case_events import add_event, bot_actor, locked_case, move, resolve
from orchestrator.store.models import WorkItem
from orchestrator.store.states import CaseStatus, ItemState

__all__ = ["item_released"]

_WAITING = (CaseStatus.AWAITING_POSTING, CaseStatus.OPEN, CaseStatus.IN_PROGRESS)


def item_released(s: Session, item: WorkItem, clone: WorkItem | None = None) -> None:
    """``item`` was completed or failed (``clone``: the automatic retry, if any)."""
    case_id = (item.payload or {}).get("resolves_case")
    if case_id is None:
        return
    case = locked_case(s, int(case_id))
    actor = bot_actor(s, item.run_id)
    if item.state == ItemState.SUCCESSFUL:
        if case.status not in _WAITING:
            return
        output = item.output or {}
        confirmation = output.get("confirmation", "?")
        again = " (found already posted)" if output.get("already_posted") else ""
        case.resolution_item_id = item.id
        resolve(s, case, actor,
                {**(case.resolution or {}), "posted": True, "work_item_id": item.id,
                 "confirmation": confirmation, "run_id": item.run_id},
                f"resolved by posting, ERP confirmation {confirmation}{again}",
                resolved_by=(item.payload or {}).get("applied_by") or actor)
    elif clone is not None:  # a technical failure the queue retries by itself
        case.resolution_item_id = clone.id
        s.add(case)
        add_event(s, case.id or 0, actor, "action",
                  f"posting failed ({item.failure_code}), the bot retries it "
                  f"(work item {clone.id})", {"work_item_id": clone.id})
    elif case.status == CaseStatus.AWAITING_POSTING:
        move(case, CaseStatus.OPEN)
        s.add(case)
        add_event(s, case.id or 0, actor, "reopened",
                  f"posting failed ({item.failure_code}): {item.failure_message}",
                  {"work_item_id": item.id, "failure_kind": item.failure_kind,
                   "failure_code": item.failure_code})
