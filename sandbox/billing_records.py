"""The records of the seeded billing run (:mod:`sandbox.billing_scenario`): master data,
purchase orders, contracts and their terms, invoices and their lines, leaks, and the run.

Money is ``Decimal``, dates are calendar dates, periods inclusive on both ends.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.scenario import CURRENCY

D = Decimal
CENT = D("0.01")
RATES = {"S": D("19.00"), "AE": D("0.00"), "G": D("0.00"), "E": D("0.00"), "Z": D("0.00")}
TREATMENT_CATEGORY = {"domestic": "S", "reverse_charge": "AE", "export": "G", "exempt": "E"}


@dataclass(frozen=True)
class BillingMaster:
    customer_id: str
    billing_name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str | None
    po_required: bool


@dataclass(frozen=True)
class PO:
    number: str
    customer_id: str
    amount: Decimal
    remaining: Decimal
    expires: dt.date


@dataclass(frozen=True)
class CLine:
    line_id: str
    sku: str
    description: str
    kind: str  # recurring | usage | milestone
    unit_price: Decimal
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Contract:
    number: str
    customer_id: str
    start: dt.date
    billing: str
    payment_terms_days: int
    tax_treatment: str
    lines: tuple[CLine, ...]
    discounts: tuple[tuple[Decimal, dt.date, str | None], ...] = ()  # percent, ends, line
    po_number: str | None = None
    end: dt.date | None = None
    currency: str = CURRENCY

    @property
    def vat_category(self) -> str:
        return TREATMENT_CATEGORY[self.tax_treatment]


@dataclass(frozen=True)
class Amendment:
    contract_number: str
    effective: dt.date
    line_id: str
    new_unit_price: Decimal | None = None
    new_quantity: Decimal | None = None


@dataclass(frozen=True)
class Usage:
    contract_number: str
    line_id: str
    period_start: dt.date
    period_end: dt.date
    quantity: Decimal


@dataclass(frozen=True)
class Milestone:
    contract_number: str
    line_id: str
    name: str
    due: dt.date
    amount: Decimal
    billed: bool


@dataclass(frozen=True)
class Line:
    line_no: int
    contract_line_id: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    net_amount: Decimal
    vat_category: str
    vat_rate: Decimal


@dataclass(frozen=True)
class Draft:
    """A draft of the day or an invoice of the history (status ``released``)."""

    number: str
    customer_id: str
    contract_number: str
    issue_date: dt.date
    period_start: dt.date
    period_end: dt.date
    payment_terms_days: int
    po_number: str | None
    buyer_vat_id: str | None
    lines: tuple[Line, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    status: str = "draft"
    currency: str = CURRENCY


@dataclass(frozen=True)
class Leak:
    customer_id: str
    contract_number: str
    line_id: str
    cause: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    detail: str


@dataclass
class BillingRun:
    """The whole seeded billing run and what a correct validation makes of it."""

    billing_day: dt.date
    masters: tuple[BillingMaster, ...]
    purchase_orders: tuple[PO, ...]
    contracts: tuple[Contract, ...]
    amendments: tuple[Amendment, ...]
    usage: tuple[Usage, ...]
    milestones: tuple[Milestone, ...]
    invoices: tuple[Draft, ...]  # history and the day's drafts
    expected: dict[str, str]  # draft of the day -> "release" | "case:<RULE-ID>"
    leaks: tuple[Leak, ...] = field(default=())

    def contract(self, number: str) -> Contract:
        return next(c for c in self.contracts if c.number == number)

    def master(self, customer_id: str) -> BillingMaster:
        return next(m for m in self.masters if m.customer_id == customer_id)

    def draft(self, number: str) -> Draft:
        return next(d for d in self.invoices if d.number == number)

    @property
    def drafts(self) -> tuple[Draft, ...]:
        return tuple(d for d in self.invoices if d.status == "draft")

    def expected_leakage(self) -> dict[str, dict[str, Decimal]]:
        """customer -> cause -> net amount lost."""
        out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for leak in self.leaks:
            out[leak.customer_id][leak.cause] += leak.amount
        return {c: dict(causes) for c, causes in sorted(out.items())}

    def leakage_total(self) -> Decimal:
        return sum((leak.amount for leak in self.leaks), D("0.00"))
