"""A dispute's amounts and when they settle it.

The disputed part of an invoice is settled when every cent of it is accounted for: credited
(credit memos), paid by the customer after all, written off, or rejected and then paid or
closed. ``paid`` is what the customer paid of the disputed part since the dispute opened
(:func:`paid_since_intake`).

All amounts are :class:`~decimal.Decimal` to the cent; in case data they are decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["CENT", "ZERO", "Amounts", "paid_since_intake"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NAMES = ("invoice", "disputed", "credited", "paid", "written_off", "rejected")


def _money(raw: Any, name: str) -> Decimal:
    if raw in (None, ""):
        return ZERO
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"amounts.{name}: {raw!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"amounts.{name}: {raw!r} is not an amount of 0 or more")
    return value.quantize(CENT)


@dataclass(frozen=True, slots=True)
class Amounts:
    """What a dispute is about and what became of it (gross, in the invoice's currency)."""

    invoice: Decimal = ZERO
    disputed: Decimal = ZERO
    credited: Decimal = ZERO
    paid: Decimal = ZERO
    written_off: Decimal = ZERO
    rejected: Decimal = ZERO

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Amounts:
        """From case data (decimal strings); ValueError names the bad amount."""
        raw = raw or {}
        return cls(**{name: _money(raw.get(name), name) for name in NAMES})

    def as_dict(self) -> dict[str, str]:
        return {name: f"{getattr(self, name):.2f}" for name in NAMES}

    @property
    def open(self) -> Decimal:
        """What of the disputed amount is not yet credited, written off or paid."""
        return max(ZERO, self.disputed - self.credited - self.written_off - self.paid)

    @property
    def decidable(self) -> Decimal:
        """The most a further credit memo or write-off may take: disputed, less what is
        credited or written off already."""
        return max(ZERO, self.disputed - self.credited - self.written_off)

    def credit(self, amount: Decimal) -> Amounts:
        """After a credit memo of ``amount`` (ValueError when more than is disputed)."""
        self._check(amount, "credit memo")
        return replace(self, credited=self.credited + amount)

    def write_off(self, amount: Decimal) -> Amounts:
        """After a write-off of ``amount`` (ValueError when more than is disputed)."""
        self._check(amount, "write-off")
        return replace(self, written_off=self.written_off + amount)

    def reject(self) -> Amounts:
        """The claim rejected: what is not credited or written off the customer owes."""
        return replace(self, rejected=self.decidable)

    def with_paid(self, paid: Decimal) -> Amounts:
        return replace(self, paid=min(max(ZERO, paid), self.decidable))

    @property
    def settled(self) -> bool:
        """Every cent of the disputed amount credited, paid or written off (a rejected
        claim counts once the customer paid it, or when the claim is closed)."""
        return self.disputed > 0 and self.credited + self.paid + self.written_off >= self.disputed

    def _check(self, amount: Decimal, what: str) -> None:
        if amount <= 0:
            raise ValueError(f"{what}: {amount} must be greater than zero")
        if amount > self.decidable:
            raise ValueError(f"{what}: {amount} is more than the {self.decidable} still "
                             "disputed and not credited or written off")


def paid_since_intake(amounts: Amounts, *, open_at_intake: Decimal, open_now: Decimal,
                      applied: Decimal) -> Decimal:
    """What the customer paid of the disputed part since the dispute opened.

    ``open_at_intake``: the invoice's open amount in the ERP when the dispute opened;
    ``open_now``: its open amount now; ``applied``: what the dispute's credit memos and
    write-offs took off the invoice's open amount (a credit memo on a paid invoice becomes
    a credit balance and takes nothing off). The undisputed part is paid first: of the
    open amount's fall beyond ``applied``, only what goes past the undisputed part that was
    open at intake is a payment of the disputed part. At most what is still to be decided.
    """
    undisputed_open = max(ZERO, open_at_intake - amounts.disputed)
    fall = open_at_intake - open_now - applied - undisputed_open
    return min(amounts.decidable, max(ZERO, fall)).quantize(CENT)
