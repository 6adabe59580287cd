"""Server-side validation of the cash-receipt form, as the ERP's business layer does it.

Besides the invoice rows, the form takes what happens to the rest of the payment (on
account, suspense, refund, write-off: :mod:`sandbox.erp.documents`); applied amounts plus
the rest must equal the payment amount.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from bots.cashapp.identifiers import compact, is_valid_iban
from sandbox.erp.db import ErpDb, Line, Receipt
from sandbox.erp.documents import DEDUCTION, REST_CODES, WRITE_OFF_CODES, Rest
from sandbox.erp.layout import ALT, CLASSIC, REASONS, ROWS, field

_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
CENT = Decimal("0.01")
REASON_CODES = {code for code, _ in REASONS}
#: ReceiptInput attribute -> form field name (the same in both layouts)
REST_FIELDS = {"rest_amount": "restAmount", "rest_action": "restAction",
               "rest_reason": "restReason", "dispute": "disputeReason",
               "payee_name": "payeeName", "payee_iban": "payeeIban", "our_ref": "ourRef"}
MAX_TEXT = 140


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
    rest_amount: str = ""
    rest_action: str = "NONE"
    rest_reason: str = ""
    dispute: str = ""
    payee_name: str = ""
    payee_iban: str = ""
    our_ref: str = ""

    @classmethod
    def from_form(cls, form: dict[str, str]) -> ReceiptInput:
        rows = []
        for n in range(1, ROWS + 1):
            c, a = CLASSIC.row(n), ALT.row(n)
            rows.append(RowInput(*(field(form, c[k], a[k])
                                   for k in ("invoice", "applied", "diff", "reason"))))
        extra = {name: form.get(key, "").strip() for name, key in REST_FIELDS.items()}
        return cls(field(form, CLASSIC.customer, ALT.customer),
                   field(form, CLASSIC.value_date, ALT.value_date),
                   field(form, CLASSIC.bank_ref, ALT.bank_ref),
                   field(form, CLASSIC.amount, ALT.amount), rows,
                   **{**extra, "rest_action": extra["rest_action"] or "NONE"})

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
    rest = _rest(data)
    with_rows = [row for row in data.rows if row.invoice]
    needs_customer = bool(with_rows) or rest is None or rest.action in ("ON_ACCOUNT",
                                                                         "WRITE_OFF")
    if not data.customer and needs_customer:
        raise ReceiptError("Customer is required.")
    if data.customer and db.customer(data.customer) is None:
        raise ReceiptError(f"Customer {data.customer} does not exist.")
    if data.customer and rest is not None and rest.action == "SUSPENSE":
        raise ReceiptError(f"Customer {data.customer} is known: put the rest on account, "
                           "not on the suspense account.")
    value_date = parse_date(data.value_date)
    if not data.bank_ref:
        raise ReceiptError("Bank reference is required.")
    amount = parse_amount(data.amount, "payment amount")
    if amount <= 0:
        raise ReceiptError("Payment amount must be greater than zero.")
    lines = [_line(row, data.customer, db) for row in with_rows]
    if not lines and rest is None:
        raise ReceiptError("Enter at least one allocation.")
    numbers = [ln.invoice_number for ln in lines]
    if len(set(numbers)) != len(numbers):
        raise ReceiptError("The same invoice appears in two allocation rows.")
    applied = sum((ln.amount for ln in lines), Decimal("0.00"))
    if rest is None and applied != amount:
        raise ReceiptError(
            f"Allocated amounts ({applied}) do not match the payment amount ({amount}).")
    if rest is not None and applied + rest.amount != amount:
        raise ReceiptError(f"Allocated amounts ({applied}) and the rest ({rest.amount}) do "
                           f"not match the payment amount ({amount}).")
    deduction = (rest is not None and rest.reason == DEDUCTION) or any(
        row.reason == DEDUCTION for row in with_rows)
    if deduction and not data.dispute:
        raise ReceiptError("A deduction needs its dispute reason.")
    if len(data.dispute) > MAX_TEXT or len(data.our_ref) > MAX_TEXT:
        raise ReceiptError(f"Dispute reason and reference take at most {MAX_TEXT} characters.")
    if rest is not None and rest.action == "REFUND":
        before = db.refunded(data.bank_ref)
        if before + rest.amount > amount:
            raise ReceiptError(f"Refunds of bank reference {data.bank_ref} ({before} before, "
                               f"{rest.amount} now) would exceed the payment amount "
                               f"({amount}).")
    return Receipt(data.bank_ref, data.customer, value_date, amount, tuple(lines), rest,
                   data.our_ref, data.dispute if deduction else "")


def _rest(data: ReceiptInput) -> Rest | None:
    """What happens to the part of the payment not applied (None: nothing is left)."""
    action = data.rest_action or "NONE"
    if action not in REST_CODES:
        raise ReceiptError(f"Unknown handling of the rest '{action}'.")
    text = data.rest_amount or "0"
    amount = parse_amount(text, "rest amount")
    if action == "NONE":
        if amount:
            raise ReceiptError("Choose what happens to the rest of the payment.")
        return None
    if amount <= 0:
        raise ReceiptError("Enter the amount of the rest.")
    reason = data.rest_reason
    if action == "WRITE_OFF" and reason not in WRITE_OFF_CODES:
        raise ReceiptError("Select the write-off reason of the rest.")
    name, iban = data.payee_name, compact(data.payee_iban)
    if action == "REFUND":
        if not name or len(name) > 70:
            raise ReceiptError("Enter the payee's name (at most 70 characters) for the refund.")
        if not is_valid_iban(iban):
            raise ReceiptError(f"Payee IBAN '{data.payee_iban}' is not a valid IBAN.")
    return Rest(action, amount, reason if action == "WRITE_OFF" else "",
                name if action == "REFUND" else "", iban if action == "REFUND" else "")


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
    write_off = reason in WRITE_OFF_CODES
    return Line(number, applied,
                write_off=diff if write_off else Decimal("0.00"),
                discount=diff if reason == "CASH_DISCOUNT" else Decimal("0.00"),
                reason=reason if write_off else "")
