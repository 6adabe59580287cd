"""The billing data a validation run reads: contracts, drafts, masters and purchase orders.

Every object is immutable; money is :class:`~decimal.Decimal` in the contract's currency and
dates are calendar dates (billing periods are inclusive on both ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

TaxTreatment = Literal["domestic", "reverse_charge", "export", "exempt"]
BillingSchedule = Literal[
    "monthly_in_advance",
    "monthly_in_arrears",
    "quarterly_in_advance",
    "quarterly_in_arrears",
    "milestones",
]
LineKind = Literal["recurring", "usage", "milestone"]
VatCategory = Literal["S", "AE", "G", "E", "Z"]
"""EN 16931 VAT category codes (UNTDID 5305): standard, reverse charge, export, exempt, zero."""


@dataclass(frozen=True, slots=True)
class ContractLine:
    """One priced item of a contract; ``quantity`` is per billing period for recurring lines."""

    line_id: str
    sku: str
    description: str
    kind: LineKind
    unit_price: Decimal
    quantity: Decimal
    unit: str
    vat_category: VatCategory


@dataclass(frozen=True, slots=True)
class Discount:
    """A percentage off the whole contract (``line_id`` None) or one line, until ``ends``."""

    percent: Decimal
    ends: date
    line_id: str | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    """A customer contract: what is billed, how often and under which tax treatment."""

    number: str
    customer_id: str
    currency: str
    start: date
    end: date | None
    payment_terms_days: int
    tax_treatment: TaxTreatment
    billing: BillingSchedule
    lines: tuple[ContractLine, ...]
    discounts: tuple[Discount, ...] = ()
    po_number: str | None = None


@dataclass(frozen=True, slots=True)
class Amendment:
    """A change to one contract line from ``effective`` on (a new price, a new quantity)."""

    contract_number: str
    effective: date
    line_id: str
    new_unit_price: Decimal | None = None
    new_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Metered usage of a usage line within a period (inclusive dates)."""

    contract_number: str
    line_id: str
    period_start: date
    period_end: date
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Milestone:
    """A fixed amount billed once when due; ``billed`` as the billing system records it."""

    contract_number: str
    line_id: str
    name: str
    due: date
    amount: Decimal
    billed: bool = False


@dataclass(frozen=True, slots=True)
class DraftLine:
    """One line of a draft invoice as the billing system computed it."""

    line_no: int
    contract_line_id: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    net_amount: Decimal
    vat_category: VatCategory
    vat_rate: Decimal


@dataclass(frozen=True, slots=True)
class DraftInvoice:
    """A draft (or, with status ``released``, an issued) invoice for one contract period."""

    number: str
    customer_id: str
    contract_number: str
    issue_date: date
    period_start: date
    period_end: date
    payment_terms_days: int
    currency: str
    po_number: str | None
    buyer_vat_id: str | None
    lines: tuple[DraftLine, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    status: str = "draft"


@dataclass(frozen=True, slots=True)
class CustomerMaster:
    """The customer's billing master data (the buyer of the e-invoice)."""

    customer_id: str
    billing_name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str | None
    po_required: bool = False


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """A customer's purchase order: ``remaining`` is what is left to invoice against it."""

    number: str
    customer_id: str
    amount: Decimal
    remaining: Decimal
    expires: date | None
