"""The normalized model every statement format parses into, and what matching returns.

Money is ``Decimal`` throughout; dates are ``datetime.date`` (banks book by day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class Direction(StrEnum):
    CREDIT = "CRDT"  # money in: a customer payment
    DEBIT = "DBIT"  # money out: fees, refunds, transfers


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One booked line of a statement (one transaction detail of a batched entry)."""

    entry_id: str  # unique within the statement; stable across formats for the same line
    amount: Decimal  # always positive; see ``direction``
    currency: str
    direction: Direction
    booking_date: dt.date
    value_date: dt.date
    bank_reference: str  # the bank's own reference (AcctSvcrRef / MT940 field 61 ref)
    end_to_end_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    creditor_reference: str | None = None  # ISO 11649 "RF.." when structured
    remittance_text: str = ""  # unstructured remittance information, joined
    note: str = ""  # what the parser had to assume for this line (a missing date), if anything

    @property
    def is_credit(self) -> bool:
        return self.direction is Direction.CREDIT


@dataclass(frozen=True, slots=True)
class Statement:
    format: str  # camt.053 | camt.054 | mt940 | bai2 | csv
    statement_id: str
    sequence: str | None
    account_iban: str
    currency: str
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    created_at: dt.datetime | None
    from_date: dt.date | None
    to_date: dt.date | None
    entries: tuple[StatementEntry, ...]
    source: str = ""  # the file it came from
    encoding: str | None = None  # text encoding the file was read in (None: XML, self-declared)


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One line of a customer's remittance advice: which invoice, how much."""

    invoice_number: str
    amount: Decimal
    deduction: Decimal = Decimal("0")
    note: str = ""


@dataclass(frozen=True, slots=True)
class RemittanceAdvice:
    payer_name: str
    payment_reference: str | None  # ties the advice to a bank line (end-to-end id or text)
    payment_amount: Decimal | None
    currency: str | None
    lines: tuple[RemittanceLine, ...]
    source: str = ""
    payment_date: dt.date | None = None  # the day the customer says it paid


class OpenItem(NamedTuple):
    """An open receivable as the ERP reports it.

    A named tuple rather than a dataclass: a month end holds a million of them, and a
    tuple is made in one step (a frozen dataclass sets each field by a call of its own).
    """

    invoice_number: str
    customer_id: str
    customer_name: str
    amount_open: Decimal
    currency: str
    due_date: dt.date | None
    customer_ibans: tuple[str, ...] = ()
    creditor_reference: str | None = None  # the RF reference printed on the invoice
    discount_percent: Decimal = Decimal("0")  # early-payment discount in the terms
    discount_until: dt.date | None = None


class Decision(StrEnum):
    POST = "post"
    EXCEPTION = "exception"
    SKIP = "skip"  # not a customer payment (debits); nothing to do


class ReasonCode(StrEnum):
    UNMATCHED = "UNMATCHED"
    SHORT_PAYMENT = "SHORT_PAYMENT"
    OVERPAYMENT = "OVERPAYMENT"
    DUPLICATE = "DUPLICATE"
    AMBIGUOUS = "AMBIGUOUS"
    UNKNOWN_PAYER = "UNKNOWN_PAYER"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a payment applied to one invoice."""

    invoice_number: str
    amount: Decimal  # cash applied
    write_off: Decimal = Decimal("0")  # difference closed within tolerance (fees, rounding)
    discount: Decimal = Decimal("0")  # early-payment discount taken within terms

    @property
    def settles(self) -> Decimal:
        return self.amount + self.write_off + self.discount


@dataclass(frozen=True, slots=True)
class Candidate:
    invoice_number: str
    customer_id: str
    amount_open: Decimal
    score: float  # 0..1
    why: str


@dataclass(frozen=True, slots=True)
class LearnedUse:
    """A rule learned from a person's decision that a result relies on, and what the
    engine decided without it (so the decision can fall back once the rule is withdrawn)."""

    rule_id: int
    kind: str
    source_case: int | None
    created_by: str
    says: str  # e.g. "IBAN IE64... pays for C1007"
    without_reason: ReasonCode | None = None
    without_explanation: str = ""

    @property
    def origin(self) -> str:
        where = f"case {self.source_case}" if self.source_case is not None else "a person"
        return f"learned from {where} ({self.created_by})"


@dataclass(frozen=True, slots=True)
class MatchResult:
    entry_id: str
    decision: Decision
    rule: str  # the rule that decided, e.g. "structured_reference"
    confidence: float  # 0..1
    reason: ReasonCode | None = None  # set when decision is EXCEPTION
    explanation: str = ""
    customer_id: str | None = None
    allocations: tuple[Allocation, ...] = ()
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    partial: bool = False  # posted amount leaves the invoice partially paid
    learned: tuple[LearnedUse, ...] = ()  # rules learned from people this decision used
