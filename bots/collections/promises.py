"""Promises to pay: how finbots keeps them (``ctx.records`` kind ``promise_to_pay``) and how
one is judged after its date against what the customer paid.

A promise is judged once its date plus the grace days (configuration) lies before the
as-of date. What the customer paid towards it is what the promised invoices' open amounts
went down by since the promise was made (read from the ERP's open items); the promise is

- **kept** when that reaches the promised amount (less the tolerance),
- **partially kept** when something was paid, but less,
- **broken** when nothing was paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["KIND", "STATUSES", "Judgement", "PromiseFacts", "due_for_judging", "judge",
           "paid_towards", "promise_key"]

KIND = "promise_to_pay"
#: a promise's life, as the ERP names it
STATUSES = ("open", "kept", "partially kept", "broken", "cancelled")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PromiseFacts:
    """A promise as the bot reads it back from its record."""

    key: str
    customer_id: str
    promised_date: dt.date
    amount: Decimal
    invoices: tuple[str, ...]
    status: str
    open_when_promised: dict[str, Decimal]

    @classmethod
    def from_record(cls, key: str, customer_id: str | None,
                    data: Mapping[str, Any]) -> PromiseFacts:
        invoices = tuple(str(i) for i in data.get("invoices", ()))
        amount = Decimal(str(data["amount"]))
        before = {str(k): Decimal(str(v))
                  for k, v in dict(data.get("open_when_promised") or {}).items()}
        return cls(key, str(customer_id or data.get("customer_id", "")),
                   dt.date.fromisoformat(str(data["promised_date"])), amount, invoices,
                   str(data.get("status", "open")), before)


@dataclass(frozen=True)
class Judgement:
    status: str  # kept | partially kept | broken
    paid: Decimal
    promised: Decimal
    rule: str  # the rule in words, for the step and the record

    @property
    def short(self) -> Decimal:
        return max(self.promised - self.paid, ZERO)


def promise_key(customer_id: str, promised_date: dt.date, invoices: Iterable[str]) -> str:
    """One promise per customer, date and invoices: ``C2007/2026-11-19/INV-2026-0720``."""
    return f"{customer_id}/{promised_date.isoformat()}/{'+'.join(sorted(invoices))}"


def due_for_judging(promised_date: dt.date, as_of: dt.date, grace_days: int) -> bool:
    """Whether the promise's date and its grace days have passed on ``as_of``."""
    return promised_date + dt.timedelta(days=grace_days) < as_of


def paid_towards(invoices: Iterable[str], open_when_promised: Mapping[str, Decimal],
                 open_now: Mapping[str, Decimal], promised: Decimal) -> Decimal:
    """What the promised invoices' open amounts went down by since the promise. An invoice
    no longer open counts as paid in full; one whose amount then is unknown counts its
    share of the promise (the promise covered what was open)."""
    invoices = list(invoices)
    paid = ZERO
    for number in invoices:
        before = open_when_promised.get(number)
        now = open_now.get(number, ZERO)
        if before is None:  # entered elsewhere (a call, the ERP): it covered what was open
            before = max(now, promised / len(invoices)) if invoices else now
        paid += max(before - now, ZERO)
    return paid


def judge(promised: Decimal, paid: Decimal, *, tolerance: Decimal = ZERO) -> Judgement:
    """Kept, partially kept or broken (see the module)."""
    if paid >= promised - tolerance:
        return Judgement("kept", paid, promised,
                         f"paid {paid} >= promised {promised} - tolerance {tolerance}")
    if paid > ZERO:
        return Judgement("partially kept", paid, promised,
                         f"0 < paid {paid} < promised {promised} - tolerance {tolerance}")
    return Judgement("broken", paid, promised, f"nothing paid of {promised}")
