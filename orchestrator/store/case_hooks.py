"""When the bot releases a work item that carries a person's decision (``resolves_case``),
the case follows: resolved when the bot carried it out, back to open when it failed for good,
or back open as the bot moved it on when the decision does not decide the case
(``output["case_stays_open"]``, e.g. a classification: its note, data and due time).

Called by :meth:`~orchestrator.store.leases.LeasesMixin.complete_item` and ``fail_item``
inside their transaction; items without ``resolves_case`` cost one dictionary lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from bots.runtime.queues import CASE_STAYS_OPEN
from orchestrator.store.case_events import add_event, bot_actor, locked_case, move, resolve
from orchestrator.store.case_refresh import refresh_released
from orchestrator.store.case_search import case_search_text
from orchestrator.store.models import ExceptionCase, WorkItem
from orchestrator.store.states import CaseStatus, ItemState
from orchestrator.store.types import to_jsonable

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
        kept = output.get(CASE_STAYS_OPEN)
        if isinstance(kept, Mapping):  # the decision is done, the case is not
            _kept_open(s, case, item, actor, kept)
            return
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


def _kept_open(s: Session, case: ExceptionCase, item: WorkItem, actor: str,
               kept: Mapping[str, Any]) -> None:
    """The case back open as the bot moved it on: its data and due time, a history line,
    taken off the person it was assigned to when the bot says so; the item stays the
    case's (the next decision is handed back from it)."""
    if case.status == CaseStatus.AWAITING_POSTING:
        move(case, CaseStatus.OPEN)
    case.resolution_item_id = item.id
    details: dict[str, Any] = {"work_item_id": item.id, "case_stays_open": True}
    data = kept.get("data")
    if isinstance(data, Mapping) and data:
        case.data = {**(case.data or {}), **to_jsonable(dict(data))}
        case.search_text = case_search_text(case)
        details["keys"] = sorted(data)
    when = _aware_time(kept.get("sla_due"))
    if when is not None:
        details["sla_due_was"] = case.sla_due_at.isoformat() if case.sla_due_at else None
        case.sla_due_at = when.astimezone(dt.UTC)
        details["sla_due"] = case.sla_due_at.isoformat()
    unassigned = ""
    if kept.get("unassign") is True and case.owner:
        details["owner_was"], unassigned = case.owner, f"; taken off {case.owner}"
        case.owner = None
    s.add(case)
    note = str(kept.get("note") or "").strip()[:2000] or "done"
    add_event(s, case.id or 0, actor, "action",
              f"{note} (carried out by the bot; the case stays open{unassigned})", details)


def _aware_time(value: Any) -> dt.datetime | None:
    """A timezone-aware ISO time from an item's output, or None (a bad one is not applied:
    it must not stop the item's completion)."""
    try:
        when = dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return when if when is not None and when.utcoffset() is not None else None


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
