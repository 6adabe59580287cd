"""What every rule receives (:class:`ValidationContext`) and returns (:class:`RuleResult`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from bots.billing.model import (
    Amendment,
    Contract,
    CustomerMaster,
    DraftInvoice,
    Milestone,
    PurchaseOrder,
    UsageRecord,
)
from bots.billing.rules.config import BillingRules

__all__ = ["CENT", "VOID_STATUSES", "RuleResult", "ValidationContext", "money", "show"]

CENT = Decimal("0.01")
DRAFT = "draft"
VOID_STATUSES = frozenset({"cancelled", "void", "rejected"})
"""Statuses of drafts and invoices that bill nothing (left out of period and duplicate checks)."""


def money(value: Decimal) -> Decimal:
    """``value`` rounded half up to the currency's two decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def show(value: object) -> str:
    """A value as a rule result shows it: amounts with cents, no zeros past them."""
    if value is None:
        return "(none)"
    if isinstance(value, Decimal):
        text = format(value, "f")
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0")
        return f"{whole}.{fraction:0<2}"
    return str(value)


class RuleResult(NamedTuple):
    """One check of one named rule on a draft (or one of its lines); immutable.

    A named tuple rather than a dataclass: a run makes some thirty per draft, and a
    frozen dataclass takes several times as long to build.
    """

    rule_id: str
    passed: bool
    expected: str
    found: str
    line_no: int | None
    message: str


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Everything a draft is checked against.

    ``other_invoices`` holds the customer's other drafts of the run and its released
    invoices (the draft itself may be among them: rules skip its own number).
    """

    contract: Contract
    customer: CustomerMaster | None
    config: BillingRules
    amendments: Sequence[Amendment] = ()
    usage: Sequence[UsageRecord] = ()
    milestones: Sequence[Milestone] = ()
    purchase_orders: Sequence[PurchaseOrder] = ()
    other_invoices: Sequence[DraftInvoice] = field(default_factory=tuple)

    def others(self, draft: DraftInvoice) -> list[DraftInvoice]:
        """The contract's other invoices, and its drafts made before this one, that bill
        something: of two drafts billing the same, the earlier (by issue date, then number)
        is the original and only the later one the duplicate."""
        mine = (draft.issue_date, draft.number)
        return [inv for inv in self.other_invoices
                if inv.number != draft.number and inv.contract_number == draft.contract_number
                and inv.status not in VOID_STATUSES
                and (inv.status != DRAFT or (inv.issue_date, inv.number) < mine)]
