"""When the bot releases a work item that carries a person's decision (``resolves_case``),
the case follows: resolved when the bot carried it out, back to open when it failed for good.

Called by :meth:`~orchestrator.store.leases.LeasesMixin.complete_item` and ``fail_item``
inside their transaction; items without ``resolves_case`` cost one dictionary lookup.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from orchestrator.store.case_events import add_event, bot_actor, locked_case, move, resolve
from orchestrator.store.case_refresh import refresh_released
from orchestrator.store.models import WorkItem
from orchestrator.store.states import CaseStatus, ItemState

__all__ = ["item_released"]

_WAITING = (CaseStatus.AWAITING_POSTING, CaseStatus.OPEN, CaseStatus.IN_PROGRESS)


def item_released(s: Session, item: WorkItem, clone: WorkItem | None = None) -> None:
    """``item`` was completed or failed (``clone``: the automatic retry, if any)."""
    if (item.payload or {}).get("refresh_case") is not None:
        refresh_released(s, item)
        return
    case_id = (item.payload or {}).get("resolves_case")
    if case_id is None:
        return
    case = locked_case(s, int(case_id))
    actor = bot_actor(s, item.run_id)
    if item.state == ItemState.SUCCESSFUL:
        if case.status not in _WAITING:
            return
        output = item.output or {}
        confirmation = output.get("confirmation")
        case.resolution_item_id = item.id
        resolve(s, case, actor,
                {**(case.resolution or {}), "carried_out": True, "work_item_id": item.id,
                 "confirmation": confirmation, "run_id": item.run_id},
                _done_text(output), resolved_by=_requested_by(item) or actor)
    elif clone is not None:  # a technical failure the queue retries by itself
        case.resolution_item_id = clone.id
        s.add(case)
        add_event(s, case.id or 0, actor, "action",
                  f"the bot failed ({item.failure_code}) and retries it "
                  f"(work item {clone.id})", {"work_item_id": clone.id})
    elif case.status == CaseStatus.AWAITING_POSTING:
        move(case, CaseStatus.OPEN)
        s.add(case)
        add_event(s, case.id or 0, actor, "reopened",
                  f"the bot failed ({item.failure_code}): {item.failure_message}",
                  {"work_item_id": item.id, "failure_kind": item.failure_kind,
                   "failure_code": item.failure_code})


def _requested_by(item: WorkItem) -> str | None:
    """Who decided what the item carries out (resolved by them, not by the bot)."""
    payload = item.payload or {}
    decision = payload.get("resolution")
    by = decision.get("by") if isinstance(decision, dict) else None
    return by or payload.get("applied_by")


def _done_text(output: dict[str, Any]) -> str:
    """``resolved by the bot`` with what it reported (a confirmation, a summary)."""
    text = "resolved by the bot"
    if output.get("summary"):
        text += f": {output['summary']}"
    if output.get("confirmation"):
        text += f", confirmation {output['confirmation']}"
    if output.get("already_posted") or output.get("already_done"):
        text += " (found already done)"
    return text
