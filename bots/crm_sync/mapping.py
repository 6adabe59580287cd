"""What a finance event changes on the customer's service-desk account: pure rules, no UI.

The desk shows a few finance fields a service person reads at a glance (see
:class:`Account`). Each event sets what it knows, as absolute values read from the event:

- a payment received / applied / kept on account: the last payment's date and amount;
  applied or kept on account, and a write-off, also lower the open balance by the amount;
- a refund requested sets the refund pending; a refund paid clears it;
- a credit hold set turns the hold on; released or rejected turns it off;
- a case opened or resolved shows its sentence in the finance case field;
- every event with a ``status_after`` shows it as the finance status.

The standing follows, strongest first: on credit hold; in dispute (the desk counts the
open dispute tickets); overdue after a reminder or a broken promise; good once nothing is
open; otherwise it stays, except that a hold or dispute that ended leaves the account good.

A dispute opened opens a dispute ticket for the service team (external reference
``dispute:<reference>``); a dispute settled closes it. Every event adds one note whose
external reference is the event key: the mark that the event reached the desk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["STANDINGS", "Account", "FinanceEvent", "TicketAction", "apply_event",
           "note_for", "ticket_action"]

STANDINGS = ("good", "overdue", "in dispute", "on credit hold")
MAX_LINE = 200  # the desk's one-line fields
PAYMENTS = frozenset({"payment_received", "payment_applied", "payment_on_account"})
LOWERS_BALANCE = frozenset({"payment_applied", "payment_on_account", "writeoff_booked"})
OVERDUE = frozenset({"reminder_sent", "promise_broken"})
CASES = frozenset({"case_opened", "case_resolved"})


@dataclass(frozen=True)
class FinanceEvent:
    """One finance event as the bot reads it from its work item."""

    key: str
    customer_id: str
    type: str
    occurred_at: dt.datetime
    summary: str
    amount: Decimal | None = None
    currency: str | None = None
    document: str | None = None
    invoice_numbers: tuple[str, ...] = ()
    case_id: int | None = None
    status_after: str | None = None

    @property
    def reference(self) -> str:
        """What the event is about (the key after its type)."""
        prefix = f"{self.type}:"
        return self.key[len(prefix):] if self.key.startswith(prefix) else self.key

    @classmethod
    def from_record(cls, key: str, customer_id: str, data: Mapping[str, Any]) -> FinanceEvent:
        """Read the contract's data; ValueError naming the field that cannot be read."""
        when = str(data.get("occurred_at") or "")
        try:
            occurred = dt.datetime.fromisoformat(when)
        except ValueError:
            raise ValueError(f"finance event {key}: occurred_at {when!r} is no ISO time") \
                from None
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=dt.UTC)
        amount = data.get("amount")
        try:
            money = None if amount in (None, "") else Decimal(str(amount))
        except InvalidOperation:
            raise ValueError(f"finance event {key}: amount {amount!r} is no amount") from None
        case = data.get("case_id")
        return cls(key=key, customer_id=customer_id, type=str(data.get("type") or ""),
                   occurred_at=occurred.astimezone(dt.UTC),
                   summary=str(data.get("summary") or ""), amount=money,
                   currency=data.get("currency") or None,
                   document=data.get("document") or None,
                   invoice_numbers=tuple(str(n) for n in data.get("invoice_numbers") or ()),
                   case_id=int(case) if isinstance(case, int) else None,
                   status_after=data.get("status_after") or None)


@dataclass(frozen=True)
class Account:
    """The finance fields of a desk account, as its page shows them."""

    standing: str
    open_balance: Decimal
    last_payment_date: str = ""
    last_payment_amount: str = ""
    credit_hold: bool = False
    refund_pending: str = ""
    finance_case: str = ""
    finance_status: str = ""
    open_disputes: int = 0

    def form_values(self) -> dict[str, str]:
        """The values of the desk's finance form."""
        return {"standing": self.standing, "open_balance": f"{self.open_balance:.2f}",
                "last_payment_date": self.last_payment_date,
                "last_payment_amount": self.last_payment_amount,
                "credit_hold": "yes" if self.credit_hold else "no",
                "refund_pending": self.refund_pending, "finance_case": self.finance_case,
                "finance_status": self.finance_status}


@dataclass(frozen=True)
class TicketAction:
    """Open or close the dispute ticket with ``ref`` (``invoices``: to find one opened by a
    person, without the reference)."""

    action: str  # open | close
    ref: str
    subject: str
    comment: str
    invoices: tuple[str, ...] = ()


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _line(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= MAX_LINE else one[:MAX_LINE - 1] + "…"


def apply_event(account: Account, event: FinanceEvent) -> Account:
    """The account's finance fields after ``event`` (``account.open_disputes``: the desk's
    count once the event's ticket was opened or closed)."""
    changes: dict[str, Any] = {}
    if event.type in PAYMENTS and event.amount is not None:
        changes["last_payment_date"] = event.occurred_at.date().isoformat()
        changes["last_payment_amount"] = _money(event.amount)
    if event.type in LOWERS_BALANCE and event.amount is not None:
        changes["open_balance"] = account.open_balance - event.amount
    if event.type == "refund_requested":
        changes["refund_pending"] = _money(event.amount)
    elif event.type == "refund_paid":
        changes["refund_pending"] = ""
    if event.type == "credit_hold_set":
        changes["credit_hold"] = True
    elif event.type in ("credit_released", "credit_rejected"):
        changes["credit_hold"] = False
    if event.type in CASES:
        changes["finance_case"] = _line(event.summary)
    if event.status_after:
        changes["finance_status"] = _line(event.status_after)
    after = replace(account, **changes)
    return replace(after, standing=_standing(account, after, event))


def _standing(before: Account, after: Account, event: FinanceEvent) -> str:
    if after.credit_hold:
        return "on credit hold"
    if after.open_disputes > 0:
        return "in dispute"
    if event.type in OVERDUE:
        return "overdue"
    if after.open_balance <= 0:
        return "good"
    if before.standing in ("on credit hold", "in dispute"):
        return "good"
    return before.standing if before.standing in STANDINGS else "good"


def ticket_action(event: FinanceEvent) -> TicketAction | None:
    """The dispute ticket the event opens or closes, or None."""
    if event.type not in ("dispute_opened", "dispute_settled"):
        return None
    ref = f"dispute:{event.reference}"
    invoices = ", ".join(event.invoice_numbers)
    subject = _line(f"Dispute {invoices or event.reference}"
                    + (f" ({_money(event.amount)} {event.currency or ''})".replace(" )", ")")
                       if event.amount is not None else ""))
    action = "open" if event.type == "dispute_opened" else "close"
    return TicketAction(action, ref, subject, event.summary, event.invoice_numbers)


def note_for(event: FinanceEvent) -> str:
    """The note the event leaves on the account: its sentence and its facts."""
    facts = [f"{event.type.replace('_', ' ')} on {event.occurred_at:%Y-%m-%d %H:%M} UTC"]
    if event.amount is not None:
        facts.append(f"{_money(event.amount)} {event.currency or ''}".strip())
    if event.invoice_numbers:
        facts.append("invoices " + ", ".join(event.invoice_numbers))
    if event.document:
        facts.append(f"document {event.document}")
    if event.case_id is not None:
        facts.append(f"finbots case {event.case_id}")
    return f"{event.summary} [{'; '.join(facts)}]"
