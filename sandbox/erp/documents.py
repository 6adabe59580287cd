"""The ERP's follow-up documents of a cash receipt: write-offs with their reason code,
unapplied cash on a customer, the suspense account for an unknown payer, refunds.

Configured lists (what the receipt form's selects offer):

* difference reasons of an invoice row: the write-off reasons below plus a cash discount
  within the invoice's terms (``CASH_DISCOUNT``, a discount, not a write-off);
* what happens to the rest of a payment that is not applied to invoices
  (:data:`REST_ACTIONS`);
* write-off reasons (:data:`WRITE_OFF_REASONS`); a deduction needs its dispute reason.

Each document gets its own number (``WO-``, ``UA-``, ``SU-``, ``RFD-`` + year + sequence),
shown on the receipt's confirmation page and in the payment inquiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WRITE_OFF_REASONS = (
    ("BANK_CHARGES", "Bank charges"),
    ("DISCOUNT_TAKEN", "Discount taken (out of terms)"),
    ("DEDUCTION", "Deduction (dispute reason required)"),
    ("SMALL_BALANCE", "Small balance"),
)
#: the only difference of a row that is not a write-off
CASH_DISCOUNT = ("CASH_DISCOUNT", "Cash discount")
WRITE_OFF_CODES = frozenset(code for code, _ in WRITE_OFF_REASONS)
DEDUCTION = "DEDUCTION"

REST_ACTIONS = (
    ("NONE", "-- nothing left --"),
    ("ON_ACCOUNT", "Unapplied cash on the customer"),
    ("SUSPENSE", "Suspense account (payer unknown)"),
    ("REFUND", "Refund to the payer"),
    ("WRITE_OFF", "Write off"),
)
REST_CODES = frozenset(code for code, _ in REST_ACTIONS)

#: document kind -> number prefix
PREFIX = {"write_off": "WO", "unapplied": "UA", "suspense": "SU", "refund": "RFD"}
#: rest action -> document kind
REST_KIND = {"ON_ACCOUNT": "unapplied", "SUSPENSE": "suspense", "REFUND": "refund",
             "WRITE_OFF": "write_off"}
#: the ERP's general-ledger account of unidentified receipts
SUSPENSE_ACCOUNT = "1590 Suspense - unidentified receipts"


@dataclass(frozen=True)
class Rest:
    """The part of a payment not applied to invoices, and what happens to it."""

    action: str  # one of REST_CODES but NONE
    amount: Decimal
    reason: str = ""  # write-off reason (WRITE_OFF)
    payee_name: str = ""  # REFUND
    payee_iban: str = ""  # REFUND

    @property
    def kind(self) -> str:
        return REST_KIND[self.action]


def document_number(kind: str, year: int, seq: int) -> str:
    return f"{PREFIX[kind]}-{year}-{100 + seq:06d}"
