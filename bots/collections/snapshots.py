"""After each run, one account snapshot per customer with overdue items (``ctx.records``,
kind ``account_snapshot``, key = customer): what the collector's worklist shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bots.collections.account_events import disputes_seen
from bots.collections.erp import AgingItem, Master
from bots.runtime import RunContext

__all__ = ["KIND", "snapshot"]

KIND = "account_snapshot"
BUCKETS = (("current", None, 0), ("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90),
           ("over 90", 91, None))


def buckets(items: Sequence[AgingItem]) -> dict[str, Decimal]:
    out = {name: Decimal("0.00") for name, _, _ in BUCKETS}
    for i in items:
        for name, low, high in BUCKETS:
            if (low is None or i.days_overdue >= low) and (high is None or i.days_overdue <= high):
                out[name] += i.open
                break
    return out


def snapshot(ctx: RunContext, *, as_of: dt.date, customer_id: str, name: str,
             master: Master | None, items: Sequence[AgingItem], level: int | None,
             last_reminder: str | None, skip: str) -> None:
    """``master`` None: the run did not need to read it (nothing to remind by the aging);
    collector and risk class are then left out."""
    overdue = [i for i in items if i.days_overdue > 0]
    data: dict[str, Any] = {
        "customer_id": customer_id, "name": master.name if master else name,
        "collector": master.collector if master else None,
        "risk_class": master.risk_class if master else None,
        "as_of": as_of, "buckets": buckets(items),
        "overdue_total": sum((i.open for i in overdue), Decimal("0.00")),
        "oldest_days": max((i.days_overdue for i in overdue), default=0),
        "disputed": [i.invoice for i in items if i.disputed],
        "promised": [i.invoice for i in items if i.promised],
        "dunning_level": level, "last_reminder": last_reminder,
        "skipped": skip or None, "dunning_block": master.dunning_block if master else None,
    }
    ctx.records.put(KIND, customer_id, data, customer_id=customer_id)
    disputes_seen(ctx, customer_id, data["disputed"], as_of)
