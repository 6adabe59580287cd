"""Finance events: what happened on a customer's account, for the people who serve them.

A finance event is a record (see :mod:`bots.runtime.records`) of kind ``finance_event``
keyed ``"<type>:<reference>"``, with the ERP customer number set. The reference is what
makes the event unique (a bank reference, a case id, an order number with a date), so a
rerun that records the same event again writes nothing new: an event, once recorded, is a
fact and is never rewritten. Any bot writes them; the customer page, the API and other
bots (a CRM sync) read them::

    record_finance_event(ctx, "payment_applied", "C10001", "BANK-REF-77",
                         occurred_at=booked_at, summary="Payment of 1,200.00 EUR applied "
                         "to INV-2026-1001 by the bot (exact amount).",
                         amount=Decimal("1200.00"), currency="EUR", document="PAY-9",
                         invoice_numbers=["INV-2026-1001"], status_after="paid")

The data of each event: ``type``, ``occurred_at`` (ISO 8601 UTC), ``summary`` (one
sentence a service person understands), ``amount`` (text, two decimals, or None),
``currency``, ``document`` (the target system's document number), ``invoice_numbers``,
``case_id`` and ``status_after`` (a short status word).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from bots.runtime.records import Record, Records

__all__ = ["EVENT_TYPES", "FINANCE_EVENT", "event_key", "record_finance_event"]

#: the record kind every finance event is written under
FINANCE_EVENT = "finance_event"

#: every type of finance event, in the order a customer's account lives through them
EVENT_TYPES: frozenset[str] = frozenset({
    "payment_received", "payment_applied", "payment_on_account", "writeoff_booked",
    "refund_requested", "refund_paid", "case_opened", "case_resolved",
    "promise_recorded", "promise_broken", "promise_kept", "reminder_sent",
    "dispute_opened", "dispute_settled", "credit_hold_set", "credit_released",
    "credit_rejected", "invoice_released", "invoice_held",
})

_CURRENCY = re.compile(r"[A-Z]{3}")
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,2})?")
MAX_SUMMARY = 500
MAX_INVOICES = 200


def event_key(type_: str, reference: str) -> str:
    """The record key of the event ``type_`` about ``reference``."""
    return f"{type_}:{reference}"


def record_finance_event(
    target: Any, type_: str, customer_id: str, reference: str, *,
    occurred_at: dt.datetime, summary: str, amount: Decimal | str | int | None = None,
    currency: str | None = None, document: str | None = None,
    invoice_numbers: Iterable[str] = (), case_id: int | None = None,
    status_after: str | None = None,
) -> Record:
    """Record the finance event ``type_`` about ``reference`` on ``customer_id``'s account.

    ``target`` is a run context (its ``records``) or a :class:`Records`. Returns the
    record; when the event was recorded before (same type and reference), the stored one,
    unchanged. Raises ValueError naming the field that is wrong.
    """
    records: Records = target if isinstance(target, Records) else target.records
    if type_ not in EVENT_TYPES:
        raise ValueError(f"finance event type {type_!r} is not one of "
                         f"{', '.join(sorted(EVENT_TYPES))}")
    customer = str(customer_id or "").strip()
    if not customer:
        raise ValueError(f"finance event {type_}: customer_id is required")
    ref = str(reference or "").strip()
    if not ref:
        raise ValueError(f"finance event {type_}: reference is required")
    key = event_key(type_, ref)
    existing = records.get(FINANCE_EVENT, key)
    if existing is not None:
        return existing
    data = {
        "type": type_,
        "occurred_at": _utc(occurred_at, type_),
        "summary": _summary(summary, type_),
        "amount": _amount(amount, type_),
        "currency": _currency(currency, type_),
        "document": None if document in (None, "") else str(document),
        "invoice_numbers": _invoices(invoice_numbers, type_),
        "case_id": _case_id(case_id, type_),
        "status_after": None if status_after in (None, "") else str(status_after),
    }
    return records.put(FINANCE_EVENT, key, data, customer_id=customer)


def _utc(when: dt.datetime, type_: str) -> str:
    if not isinstance(when, dt.datetime):
        raise ValueError(f"finance event {type_}: occurred_at must be a datetime, "
                         f"got {type(when).__name__}")
    if when.tzinfo is None:
        raise ValueError(f"finance event {type_}: occurred_at must carry a time zone")
    return when.astimezone(dt.UTC).isoformat()


def _summary(text: str, type_: str) -> str:
    summary = " ".join(str(text or "").split())
    if not summary:
        raise ValueError(f"finance event {type_}: summary is required")
    if len(summary) > MAX_SUMMARY:
        raise ValueError(f"finance event {type_}: summary is at most {MAX_SUMMARY} "
                         "characters")
    return summary


def _amount(value: Decimal | str | int | None, type_: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise ValueError(f"finance event {type_}: amount must be a Decimal, "
                         f"got {type(value).__name__}")
    text = str(value).strip()
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise ValueError(f"finance event {type_}: amount {value} has more than two "
                             "decimals")
        text = str(value.quantize(Decimal("0.01")))
    elif not _AMOUNT.fullmatch(text):
        raise ValueError(f"finance event {type_}: amount {value!r} is not an amount with "
                         "at most two decimals")
    return str(Decimal(text).quantize(Decimal("0.01")))


def _currency(value: str | None, type_: str) -> str | None:
    if value in (None, ""):
        return None
    code = str(value).strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise ValueError(f"finance event {type_}: currency {value!r} is not an ISO 4217 "
                         "code")
    return code


def _invoices(numbers: Iterable[str], type_: str) -> list[str]:
    if isinstance(numbers, str):
        numbers = [numbers]
    unique = list(dict.fromkeys(str(n).strip() for n in numbers if str(n).strip()))
    if len(unique) > MAX_INVOICES:
        raise ValueError(f"finance event {type_}: at most {MAX_INVOICES} invoice numbers")
    return unique


def _case_id(value: int | None, type_: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"finance event {type_}: case_id must be an int")
    return value
