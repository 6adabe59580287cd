"""What the customer page shows of credit: the customer's ``credit_status`` record (limit,
exposure, risk class, the orders on hold, as read from the ERP and when) and the finance
events ``credit_hold_set``, ``credit_released`` and ``credit_rejected`` (reference: the
order number, so a rerun records nothing twice)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bots.credit.policy import CreditFacts
from bots.runtime import RunContext
from bots.runtime.finance_events import record_finance_event

__all__ = ["KIND", "order_decided", "order_held"]

KIND = "credit_status"


def _status(ctx: RunContext, customer_id: str) -> dict[str, Any]:
    old = ctx.records.get(KIND, customer_id)
    return dict(old.data) if old is not None else {"customer_id": customer_id}


def _put(ctx: RunContext, customer_id: str, data: dict[str, Any]) -> None:
    held = data.get("held_orders") or []
    data["status"] = f"{len(held)} order(s) on credit hold" if held else "no order on hold"
    data["read_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    ctx.records.put(KIND, customer_id, data, customer_id=customer_id)


def order_held(ctx: RunContext, facts: CreditFacts) -> None:
    """A held order reviewed: the customer's credit as read, the hold as an event."""
    data = _status(ctx, facts.customer_id)
    held = [o for o in data.get("held_orders") or [] if o.get("order") != facts.order]
    held.append({"order": facts.order, "amount": f"{facts.amount:.2f}",
                 "currency": facts.currency, "reason": facts.hold_reason})
    data.update(limit=None if facts.credit_limit is None else f"{facts.credit_limit:.2f}",
                exposure=f"{facts.exposure_after:.2f}", risk_class=facts.risk_class,
                open_receivables=f"{facts.open_receivables:.2f}",
                max_days_overdue=facts.max_days_overdue, held_orders=held)
    _put(ctx, facts.customer_id, data)
    record_finance_event(ctx, "credit_hold_set", facts.customer_id, facts.order,
                         occurred_at=dt.datetime.now(dt.UTC),
                         summary=f"Order {facts.order} of {facts.amount:.2f} {facts.currency} "
                                 f"is on credit hold: {facts.hold_reason}.",
                         amount=facts.amount, currency=facts.currency, document=facts.order,
                         status_after="on hold")


def order_decided(ctx: RunContext, customer_id: str, order: str, action: str, why: str,
                  *, case_id: int | None = None) -> None:
    """An order released or rejected in the ERP (by the policy or a person)."""
    if not customer_id:
        return
    data = _status(ctx, customer_id)
    data["held_orders"] = [o for o in data.get("held_orders") or [] if o.get("order") != order]
    _put(ctx, customer_id, data)
    released = action == "release"
    record_finance_event(ctx, "credit_released" if released else "credit_rejected",
                         customer_id, order, occurred_at=dt.datetime.now(dt.UTC),
                         summary=f"Order {order} {'released' if released else 'rejected'}: "
                                 f"{why}.", document=order, case_id=case_id,
                         status_after="released" if released else "rejected")
