"""Claims from cash application: short payments whose text names a reason.

The payment-posting bot opens a ``SHORT_PAYMENT`` case when a customer pays less than the
invoice is open for. When the payment's text says why ("INV-2026-1012 less 250.00 damaged
goods"), the deduction is a dispute: one claim per such case, reference
``deduction:<bank reference>``, for the amount deducted (the one written after "less",
"minus", "deducted" or "abzüglich", else the case's shortfall). The payment-posting case
stays where it is: the people who apply cash decide it; the dispute decides whether the
deduction was right. Read through the SDK's case lookup (``ctx.cases``), nothing changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.cashapp.dispute_mail import invoice_numbers, names_dispute
from bots.disputes.model import DisputeClaim
from bots.runtime import RunContext
from bots.runtime.case_lookup import CaseView

__all__ = ["PAYMENT_POSTING", "SHORT_PAYMENT", "deducted_amount", "read_deductions"]

PAYMENT_POSTING, SHORT_PAYMENT = "payment-posting", "SHORT_PAYMENT"
MAX_CASES = 500
_DEDUCTED = re.compile(r"\b(?:less|minus|deducted|abz(?:ü|ue)glich|abzgl\.?)\s*"
                       r"(?:EUR\s*)?([0-9]+(?:[.,][0-9]{2})?)", re.IGNORECASE)


def deducted_amount(text: str) -> Decimal | None:
    """The amount the payment's text says was deducted, or None."""
    found = _DEDUCTED.search(text or "")
    if found is None:
        return None
    try:
        return Decimal(found.group(1).replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _entry(case: CaseView) -> Mapping[str, Any]:
    payload = case.data.get("payload") or {}
    entry = payload.get("entry") if isinstance(payload, Mapping) else None
    return entry if isinstance(entry, Mapping) else {}


def _received(entry: Mapping[str, Any], case: CaseView) -> dt.datetime:
    for key in ("booking_date", "value_date"):
        raw = str(entry.get(key) or "")
        try:
            day = dt.date.fromisoformat(raw[:10])
        except ValueError:
            continue
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return case.created_at or dt.datetime.now(dt.UTC)


def read_deductions(ctx: RunContext) -> list[DisputeClaim]:
    """The open short-payment cases of cash application whose text names a reason."""
    out: list[DisputeClaim] = []
    for case in ctx.cases.find(bot=PAYMENT_POSTING, reason_code=SHORT_PAYMENT,
                               status="open", limit=MAX_CASES):
        entry = _entry(case)
        text = str(entry.get("remittance_text") or "").strip()
        if not text or not names_dispute(text):
            continue  # a short payment without a reason is cash application's alone
        reference = str(entry.get("bank_reference") or case.reference)
        found = invoice_numbers(text)
        amount = deducted_amount(text) or case.amount or Decimal("0.00")
        extra: dict[str, Any] = {"payment_case_id": case.id, "bank_reference": reference,
                                 "paid": str(entry.get("amount") or "")}
        if not found:
            extra["problem"] = f"deduction {reference}: the payment's text names no invoice"
        if not case.customer_id:
            extra["problem"] = f"deduction {reference}: the payment has no customer"
        out.append(DisputeClaim(
            channel="deduction", external_id=reference, customer_id=case.customer_id or "",
            invoice_number=found[0] if found else "", amount=amount,
            currency=str(entry.get("currency") or "EUR"), text=text,
            received_at=_received(entry, case), extra=extra))
    return out
