"""Which finance events go to the service desk: those written since the bot's watermark.

The watermark (``ctx.state("events")``, key ``watermark``) is the newest write time the
bot has queued. Each run reads the newest events page by page (doubling the page until it
reaches events older than the watermark, less :data:`OVERLAP` for writers whose clocks or
commits lag a little), and queues each event once: the work item's reference is the event
key, which the queue keeps unique, so the overlap queues nothing twice.

Items are added per customer, oldest event first, so one account's events reach the desk
in the order they happened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bots.runtime import NewItem, Record, RunContext, WorkQueue
from bots.runtime.finance_events import FINANCE_EVENT

__all__ = ["OVERLAP", "PAGE", "queue_new_events", "read_since"]

OVERLAP = dt.timedelta(minutes=10)
PAGE = 200
STATE, WATERMARK = "events", "watermark"


def read_since(ctx: RunContext, since: dt.datetime | None, page: int = PAGE) -> list[Record]:
    """Finance events written at or after ``since`` less :data:`OVERLAP` (all: None)."""
    floor = None if since is None else since - OVERLAP
    limit = page
    while True:
        found = ctx.records.find(FINANCE_EVENT, limit=limit)
        if len(found) < limit or (floor is not None and found[-1].written_at < floor):
            break
        limit *= 2
    return [r for r in found if floor is None or r.written_at >= floor]


def queue_new_events(ctx: RunContext, queue: WorkQueue) -> dict[str, Any]:
    """Queue the events written since the watermark; moves the watermark on."""
    state = ctx.state(STATE)
    mark = state.get(WATERMARK)
    since = dt.datetime.fromisoformat(mark) if mark else None
    events = [r for r in read_since(ctx, since) if r.customer_id]
    events.sort(key=lambda r: (r.customer_id or "", str(r.data.get("occurred_at") or ""),
                               r.id or 0))
    added = queue.add_many(NewItem(r.key, {
        "event_key": r.key, "customer_id": r.customer_id, "event": r.data,
        "written_at": r.written_at.isoformat()}) for r in events)
    if events:
        newest = max(r.written_at for r in events)
        if since is None or newest > since:
            state.put(WATERMARK, newest.isoformat())
    return {"events_read": len(events), "queued": sum(added),
            "customers": len({r.customer_id for r in events})}
