"""Server-side validation of the cash-receipt form, as the ERP's business layer does it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sandbox.erp.db import ErpDb, Line, Receipt
from sandbox.erp.layout import ALT, CLASSIC, REASONS, ROWS, field

_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
CENT = Decimal("0.01")
REASON_CODES = {code for code, _ in REASONS}


class ReceiptError(ValueError):
    """A message the ERP shows in an alert box, the form re-rendered with the input."""


@dataclass
class RowInput:
    invoice: str
    applied: str
    diff: str
    reason: str


@dataclass
class ReceiptInput:
    """The form as posted, normalised to the classic names (values kept for re-rendering)."""

    customer: str
    value_date: str
    bank_ref: str
    amount: str
    rows: list[RowInput]

    @classmethod
    def from_form(cls, form: dict[str, str]) -> ReceiptInput:
        rows = []
        for n in range(1, ROWS + 1):
            c, a = CLASSIC.row(n), ALT.row(n)
            rows.append(RowInput(*(field(form, c[k], a[k])
                                   for k in ("invoice", "applied", "diff", "reason"))))
        return cls(field(form, CLASSIC.customer, ALT.customer),
                   field(form, CLASSIC.value_date, ALT.value_date),
                   field(form, CLASSIC.bank_ref, ALT.bank_ref),
                   field(form, CLASSIC.amount, ALT.amount), rows)

    @classmethod
    def empty(cls) -> ReceiptInput:
        return cls("", "", "", "", [RowInput("", "", "", "NONE") for _ in range(ROWS)])


def parse_amount(text: str, what: str) -> Decimal:
    text = text.strip()
    if "," in text:
        raise ReceiptError(f"Invalid {what} '{text}': use a dot as decimal separator.")
    if not _AMOUNT.match(text):
        raise ReceiptError(f"Invalid {what} '{text}'.")
    return Decimal(text).quantize(CENT)


def parse_date(text: str) -> dt.date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ReceiptError(f"Invalid value date '{text}' (DD.MM.YYYY).")


def validate(data: ReceiptInput, db: ErpDb) -> Receipt:
    """The receipt to post, or :class:`ReceiptError` with the first problem found."""
    if not data.customer:
        raise ReceiptError("Customer is required.")
    customer = db.customer(data.customer)
    if customer is None:
        raise ReceiptError(f"Customer {data.customer} does not exist.")
    value_date = parse_date(data.value_date)
    if not data.bank_ref:
        raise ReceiptError("Bank reference is required.")
    amount = parse_amount(data.amount, "payment amount")
    if amount <= 0:
        raise ReceiptError("Payment amount must be greater than zero.")
    lines = [_line(row, data.customer, db) for row in data.rows if row.invoice]
    if not lines:
        raise ReceiptError("Enter at least one allocation.")
    numbers = [ln.invoice_number for ln in lines]
    if len(set(numbers)) != len(numbers):
        raise ReceiptError("The same invoice appears in two allocation rows.")
    applied = sum((ln.amount for ln in lines), Decimal("0.00"))
    if applied != amount:
        raise ReceiptError(
            f"Allocated amounts ({applied}) do not match the payment amount ({amount}).")
    return Receipt(data.bank_ref, data.customer, value_date, amount, tuple(lines))


def _line(row: RowInput, customer_id: str, db: ErpDb) -> Line:
    number = row.invoice.strip().upper()
    inv = db.invoice(number)
    if inv is None:
        raise ReceiptError(f"Invoice {number} does not exist.")
    if inv["customer_id"] != customer_id:
        raise ReceiptError(
            f"Invoice {number} belongs to customer {inv['customer_id']}, not {customer_id}.")
    open_amount = Decimal(inv["amount_open"])
    if open_amount <= 0:
        raise ReceiptError(f"Invoice {number} is already closed.")
    applied = parse_amount(row.applied or "0", f"amount applied for {number}")
    diff = parse_amount(row.diff or "0", f"difference for {number}")
    reason = row.reason or "NONE"
    if reason not in REASON_CODES:
        raise ReceiptError(f"Unknown difference reason '{reason}' for invoice {number}.")
    if diff > 0 and reason == "NONE":
        raise ReceiptError(f"Select a difference reason for invoice {number}.")
    if diff == 0 and reason != "NONE":
        raise ReceiptError(f"Enter the difference amount for invoice {number}.")
    if applied + diff <= 0:
        raise ReceiptError(f"Nothing applied to invoice {number}.")
    if applied + diff > open_amount:
        raise ReceiptError(f"Amount applied plus difference ({applied + diff}) exceeds the "
                           f"open amount ({open_amount}) of invoice {number}.")
    return Line(number, applied,
                write_off=diff if reason == "BANK_CHARGES" else Decimal("0.00"),
                discount=diff if reason == "CASH_DISCOUNT" else Decimal("0.00"))
