"""The terms of a contract line in force for a billing period: price, quantity, discount.

Shared by the pricing rules and the leakage report, so both read a contract the same way.

* Amendments apply from their effective date. An amendment effective inside a period is
  priced as the configuration says: ``pro_rata_days`` weighs the old and the new terms by
  their days in the period; ``whole_period`` applies the terms in force on the period's last
  day to the whole period.
* A period cut short by the contract's end bills the quantity pro rata by days.
* A discount applies to every period that starts on or before its end date; a discount for
  the line takes precedence over one for the whole contract.
* Unit prices and quantities are kept to four decimals (ROUND_HALF_UP).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from bots.billing.model import Amendment, ContractLine, Discount
from bots.billing.rules.base import money
from bots.billing.rules.schedule import BillingPeriod

__all__ = ["LineTerms", "discount_in_force", "expired_discount", "line_net", "line_terms"]

FOUR = Decimal("0.0001")
HUNDRED = Decimal(100)


def _four(value: Decimal) -> Decimal:
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineTerms:
    """The unit price and quantity a line bills for one period, and what amended them."""

    unit_price: Decimal
    quantity: Decimal
    amendments: tuple[Amendment, ...]

    @property
    def amended(self) -> bool:
        return bool(self.amendments)


def _state(line: ContractLine, amendments: Sequence[Amendment],
           day: date) -> tuple[Decimal, Decimal]:
    price, quantity = line.unit_price, line.quantity
    for amendment in amendments:
        if amendment.effective > day:
            break
        if amendment.new_unit_price is not None:
            price = amendment.new_unit_price
        if amendment.new_quantity is not None:
            quantity = amendment.new_quantity
    return price, quantity


def line_terms(line: ContractLine, amendments: Sequence[Amendment], period: BillingPeriod,
               mode: str = "pro_rata_days") -> LineTerms:
    """The line's terms for ``period``; ``amendments`` are the line's, oldest first."""
    in_force = tuple(a for a in amendments if a.effective <= period.end)
    cut = Decimal(period.days) / Decimal(period.nominal_days)
    if mode == "whole_period" or not any(a.effective > period.start for a in in_force):
        price, quantity = _state(line, in_force, period.end)
        return LineTerms(_four(price), _four(quantity * cut), in_force)
    bounds = [period.start, *sorted({a.effective for a in in_force
                                     if a.effective > period.start}),
              period.end + timedelta(days=1)]
    price_days = quantity_days = Decimal(0)
    for first, after in pairwise(bounds):
        days = Decimal((after - first).days)
        price, quantity = _state(line, in_force, first)
        price_days += price * days
        quantity_days += quantity * days
    return LineTerms(_four(price_days / period.days), _four(quantity_days / period.nominal_days),
                     in_force)


def _matching(discounts: Iterable[Discount], line_id: str) -> list[Discount]:
    own = [d for d in discounts if d.line_id == line_id]
    return own or [d for d in discounts if d.line_id is None]


def discount_in_force(discounts: Iterable[Discount], line_id: str,
                      period: BillingPeriod) -> Decimal:
    """The discount percent the line carries for ``period`` (0 when none applies)."""
    live = [d.percent for d in _matching(discounts, line_id) if d.ends >= period.start]
    return max(live, default=Decimal(0))


def expired_discount(discounts: Iterable[Discount], line_id: str,
                     period: BillingPeriod) -> Discount | None:
    """The latest discount for the line that ended before ``period`` started, if any."""
    ended = [d for d in _matching(discounts, line_id) if d.ends < period.start]
    return max(ended, key=lambda d: d.ends, default=None)


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """A line's net amount: quantity times unit price less the discount, in cents."""
    return money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
