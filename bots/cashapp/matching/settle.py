"""How a payment amount settles the invoices a rule picked (rule e).

Exact; short within tolerance (``write_off``); early-payment discount within terms
(``discount``); partial payment when announced; otherwise short payment or overpayment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.model import Allocation, OpenItem, ReasonCode

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Settlement:
    kind: str  # exact | write_off | discount | partial | short | over | currency
    allocations: tuple[Allocation, ...] = ()
    explanation: str = ""

    @property
    def posts(self) -> bool:
        return self.kind in ("exact", "write_off", "discount", "partial")

    @property
    def corroborates(self) -> bool:
        """The amount itself confirms the invoices (not a partial payment)."""
        return self.kind in ("exact", "write_off", "discount")

    @property
    def reason(self) -> ReasonCode | None:
        return {
            "short": ReasonCode.SHORT_PAYMENT,
            "over": ReasonCode.OVERPAYMENT,
            "currency": ReasonCode.CURRENCY_MISMATCH,
        }.get(self.kind)


def tolerance(due: Decimal, config: MatchingConfig) -> Decimal:
    """Largest difference written off: both the absolute and the percent limit hold."""
    pct = (due * config.write_off_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(config.write_off_abs, pct)


def discount_due(item: OpenItem, remaining: Decimal, value_date: dt.date) -> Decimal:
    """Discount the terms allow on ``remaining`` when paid by ``value_date``."""
    if item.discount_percent <= 0 or item.discount_until is None:
        return ZERO
    if value_date > item.discount_until:
        return ZERO
    return (remaining * item.discount_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def settle(
    amount: Decimal,
    currency: str,
    value_date: dt.date,
    targets: list[tuple[OpenItem, Decimal]],
    config: MatchingConfig,
    *,
    partial_announced: bool = False,
) -> Settlement:
    """Settle ``amount`` against ``targets`` (item, amount still open), in their order.

    A target with nothing left open (settled by an earlier line of the same statement) takes
    no allocation: a posting never carries a zero line.
    """
    targets = [(item, rest) for item, rest in targets if rest > 0]
    if any(item.currency != currency for item, _ in targets):
        return Settlement("currency", explanation="invoice currency differs from the payment's")
    due = sum((r for _, r in targets), ZERO)
    if amount == due:
        return Settlement("exact", tuple(Allocation(i.invoice_number, r) for i, r in targets))
    if amount > due:
        return Settlement("over", explanation=f"pays {amount} but {due} is open")
    discounts = [discount_due(i, r, value_date) for i, r in targets]
    total_discount = sum(discounts, ZERO)
    if total_discount > 0 and ZERO <= due - total_discount - amount <= tolerance(due, config):
        rest = due - total_discount - amount
        allocs = [
            Allocation(i.invoice_number, r - d, discount=d)
            for (i, r), d in zip(targets, discounts, strict=True)
        ]
        return Settlement("discount", _write_off_largest(allocs, rest), "early-payment discount")
    short = due - amount
    if short <= tolerance(due, config):
        allocs = [Allocation(i.invoice_number, r) for i, r in targets]
        return Settlement("write_off", _write_off_largest(allocs, short), f"{short} written off")
    if partial_announced and len(targets) == 1:
        item = targets[0][0]
        return Settlement(
            "partial", (Allocation(item.invoice_number, amount),), "partial payment announced"
        )
    return Settlement("short", explanation=f"pays {amount} of {due} open ({short} short)")


def _write_off_largest(allocs: list[Allocation], amount: Decimal) -> tuple[Allocation, ...]:
    """Take ``amount`` off the largest allocation's cash and close it as a write-off."""
    if amount == 0:
        return tuple(allocs)
    pos = max(range(len(allocs)), key=lambda k: (allocs[k].amount, -k))
    last = allocs[pos]
    allocs[pos] = Allocation(
        last.invoice_number, last.amount - amount, last.write_off + amount, last.discount
    )
    return tuple(allocs)
