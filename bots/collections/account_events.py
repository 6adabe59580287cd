"""The collections bot's finance events (:mod:`bots.runtime.finance_events`): what a
customer-facing team sees on the customer page of reminders, promises and disputes.

* ``reminder_sent`` (reference: the reminder's reference) once the mail is in the Sent
  folder or the ERP's notes hold it;
* ``promise_recorded`` when a promise to pay is kept in finbots, ``promise_kept`` or
  ``promise_broken`` (a partially kept promise is broken for the rest) once it is judged;
* ``dispute_opened`` for an invoice the ERP's aging flags as disputed (reference: customer
  and invoice, so an invoice disputed for weeks is one event).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bots.runtime import RunContext
from bots.runtime.finance_events import record_finance_event

__all__ = ["disputes_seen", "promise_changed", "reminder_sent"]


def _at(day: Any) -> dt.datetime:
    """A day (date or ISO text) as midnight UTC; now when it is unknown."""
    try:
        text = day.isoformat() if isinstance(day, dt.date) else str(day)
        return dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        return dt.datetime.now(dt.UTC)


def reminder_sent(ctx: RunContext, payload: Mapping[str, Any], done: Mapping[str, Any],
                  currency: str) -> None:
    items = payload.get("items") or []
    total = sum((Decimal(str(i["open"])) for i in items), Decimal("0.00"))
    invoices = [str(i["invoice"]) for i in items]
    record_finance_event(
        ctx, "reminder_sent", str(payload["customer_id"]), str(payload["reference"]),
        occurred_at=_at(payload.get("as_of")),
        summary=f"Reminder level {payload.get('level')} sent by mail to {payload.get('to')} "
                f"for {', '.join(invoices)} (total {total} {currency}).",
        amount=total, currency=currency, document=str(done.get("message_id") or "") or None,
        invoice_numbers=invoices, case_id=done.get("case_id"),
        status_after=f"reminder level {payload.get('level')}")


def promise_changed(ctx: RunContext, key: str, data: Mapping[str, Any]) -> None:
    """The event of a promise's status now: recorded while open, then kept or broken."""
    status = str(data.get("status") or "open")
    customer = str(data.get("customer_id") or key.split("/", 1)[0])
    amount = Decimal(str(data["amount"])).quantize(Decimal("0.01"))
    invoices = [str(i) for i in data.get("invoices") or []]
    when = data.get("promised_date")
    if status == "open":
        type_, summary = "promise_recorded", (
            f"Promise to pay {amount} by {when} for {', '.join(invoices)} recorded "
            f"({data.get('source') or 'collections'}).")
        occurred = dt.datetime.now(dt.UTC)
    elif status == "kept":
        type_, summary = "promise_kept", f"Promise to pay {amount} by {when} kept."
        occurred = _at(data.get("judged_on"))
    elif status in ("broken", "partially kept"):
        type_, summary = "promise_broken", (
            f"Promise to pay {amount} by {when} {status}: {data.get('paid') or '0.00'} paid.")
        occurred = _at(data.get("judged_on"))
    else:
        return
    record_finance_event(ctx, type_, customer, key, occurred_at=occurred, summary=summary,
                         amount=amount, invoice_numbers=invoices, status_after=status)


def disputes_seen(ctx: RunContext, customer_id: str, invoices: Iterable[str],
                  as_of: dt.date) -> None:
    for invoice in invoices:
        record_finance_event(ctx, "dispute_opened", customer_id, f"{customer_id}/{invoice}",
                             occurred_at=_at(as_of),
                             summary=f"{invoice} is disputed in the ERP: no reminder for it "
                                     "until the dispute is settled.",
                             invoice_numbers=[invoice], status_after="disputed")
