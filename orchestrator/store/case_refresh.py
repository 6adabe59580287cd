"""Evidence read again when a person opens a case (a case type's ``EvidenceRefresh``).

:func:`request_refresh` adds one work item to the queue the case type names, at most once
per ``stale_after_s`` and never while one is still waiting; :func:`refresh_released`
(called when the bot releases that item) keeps what the bot read as the case's
``data["refreshed"]`` and notes it in the case's history. Nothing here knows what the
evidence is: the bot declares the queue, reads the target and shapes its output.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from orchestrator.store.base import StoreBase
from orchestrator.store.case_events import add_event, bot_actor
from orchestrator.store.case_search import case_search_text
from orchestrator.store.models import ExceptionCase, WorkItem
from orchestrator.store.states import CaseStatus, ItemState
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["PENDING_ITEM", "REQUESTED", "refresh_released", "request_refresh"]

#: ``case.data`` key of the latest request: ``{"at": ISO time, "item_id": id}``
REQUESTED = "refresh_requested"
#: item states in which a request is still on its way
PENDING_ITEM = (ItemState.NEW, ItemState.IN_PROGRESS)
_REFRESHABLE = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_APPROVAL)


def _when(text: Any) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def request_refresh(store: StoreBase, case_id: int, queue: str, stale_after_s: float,
                    now: dt.datetime | None = None) -> int | None:
    """Ask the bot to read the case's evidence again; returns the new item's id, or None
    when the case is not pending, its evidence is fresh or a request is on its way."""
    now = now or utcnow()
    stale = dt.timedelta(seconds=stale_after_s)
    with store._tx() as s:
        case = s.get(ExceptionCase, case_id)
        if case is None or case.status not in _REFRESHABLE:
            return None
        data = dict(case.data or {})
        asked = data.get(REQUESTED) or {}
        pending = s.get(WorkItem, int(asked["item_id"])) if asked.get("item_id") else None
        read_at = _when((data.get("refreshed") or {}).get("read_at"))
        snapshot = {"id": case.id, "reference": case.reference, "reason": case.reason_code,
                    "customer_id": case.customer_id, "candidates": case.candidates,
                    "amount": case.amount}
    if pending is not None and pending.state in PENDING_ITEM:
        return None
    if read_at is not None and now - read_at < stale:
        return None
    store.ensure_queue(queue)  # type: ignore[attr-defined]
    item = store.add_item(  # type: ignore[attr-defined]
        queue, f"case-{case_id}-{now:%Y%m%dT%H%M%S%f}",
        to_jsonable({"refresh_case": case_id, "case": snapshot}))
    if item is None:
        return None
    with store._tx(write=True) as s:
        case = s.get(ExceptionCase, case_id)
        if case is not None:
            case.data = {**(case.data or {}), REQUESTED: {"at": now.isoformat(),
                                                          "item_id": item.id}}
            s.add(case)
    return item.id


def refresh_released(s: Session, item: WorkItem) -> None:
    """The bot released a refresh item: keep what it read (a failure changes nothing;
    the next opening of the case asks again)."""
    case = s.get(ExceptionCase, int((item.payload or {})["refresh_case"]))
    refreshed = (item.output or {}).get("refreshed")
    if case is None or item.state != ItemState.SUCCESSFUL or not isinstance(refreshed, dict):
        return
    case.data = {**(case.data or {}), "refreshed": to_jsonable(refreshed)}
    case.search_text = case_search_text(case)
    s.add(case)
    changes = [str(c) for c in refreshed.get("changes") or ()]
    text = ("read again: " + "; ".join(changes)) if changes else \
        "read again: nothing changed since the case opened"
    add_event(s, case.id or 0, bot_actor(s, item.run_id), "refreshed", text[:2000],
              {"work_item_id": item.id, "changes": len(changes)})
