"""What a person needs beside a payment the bot could not post, captured at intake.

For every payment that becomes an exception, intake adds ``payload["evidence"]`` from the
ERP's open-items export it has just read, and from the payments this bot posted before:

* ``customer``: number and name (the name as the ERP has it);
* ``other_open_items``: the customer's open invoices that are not candidates;
* ``last_payments``: the customer's latest payments posted by this bot, each with the
  ERP's document number;
* ``original``: for a duplicate, the payment it repeats (its bank reference, date, amount
  and, once posted, the ERP's document number; posting looks that up in the ERP).

The candidates themselves get their invoice date, due date, original amount and currency,
so the table a person picks from has what they choose by. :data:`CASE_EVIDENCE` declares
how a case shows all of this.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.runtime.cases import Evidence

__all__ = ["CASE_EVIDENCE", "MAX_OTHER_ITEMS", "MAX_PAYMENTS", "Ledger", "candidate_row",
           "intake_evidence", "last_payments", "original_payment", "read_ledger"]

#: Open items of the customer shown beside the candidates (the oldest due first).
MAX_OTHER_ITEMS = 20
#: The customer's latest payments shown.
MAX_PAYMENTS = 5
_ITEM_COLUMNS = ("invoice_number", "invoice_date", "due_date", "amount", "amount_open",
                 "currency")

_CUSTOMER, _OPEN, _PAID, _ORIGINAL = ("Customer", "The customer's other open items",
                                      "The customer's last payments", "Original payment")
#: How a case of this bot shows the evidence captured here (see the module docstring).
CASE_EVIDENCE = (
    Evidence("payload.evidence.customer.name", "Name", group=_CUSTOMER),
    Evidence("payload.evidence.customer.id", "Customer number", "mono", _CUSTOMER),
    Evidence("payload.evidence.read_at", "Open items read from the ERP", "date", _CUSTOMER),
    Evidence("payload.evidence.other_open_items", "Open items", "table", _OPEN),
    Evidence("payload.evidence.last_payments", "Payments", "table", _PAID),
    Evidence("original.bank_reference", "Bank reference", "item", _ORIGINAL,
             queue="payment-posting"),
    Evidence("original.confirmation", "Its posting in the ERP", "mono", _ORIGINAL),
    Evidence("original.booking_date", "Booked", "date", _ORIGINAL),
    Evidence("original.amount", "Amount", "money", _ORIGINAL),
)


@dataclass(slots=True)
class Ledger:
    """The open items of some customers, as the ERP's export lists them."""

    names: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    by_invoice: dict[str, dict[str, str]] = field(default_factory=dict)


def read_ledger(path: Path, customers: Iterable[str]) -> Ledger:
    """The export's rows of ``customers`` only (one row per invoice: the export repeats an
    invoice for each of the customer's IBANs). Columns the export lacks are left empty."""
    wanted, ledger = set(customers), Ledger()
    if not wanted:
        return ledger
    with Path(path).open(encoding="utf-8-sig", newline="") as stream:
        for row in csv.DictReader(stream):
            customer = (row.get("customer_id") or "").strip()
            number = (row.get("invoice_number") or "").strip()
            if customer not in wanted or not number or number in ledger.by_invoice:
                continue
            item = {k: (row.get(k) or "").strip() for k in _ITEM_COLUMNS}
            ledger.by_invoice[number] = item
            ledger.items.setdefault(customer, []).append(item)
            ledger.names.setdefault(customer, (row.get("customer_name") or "").strip())
    for items in ledger.items.values():
        items.sort(key=lambda i: (i["due_date"] or "9999", i["invoice_number"]))
    return ledger


def candidate_row(candidate: Mapping[str, Any], ledger: Ledger) -> dict[str, Any]:
    """A candidate with the invoice's dates and amounts, in the order a person reads them."""
    item = ledger.by_invoice.get(str(candidate.get("invoice_number") or ""), {})
    row: dict[str, Any] = {"invoice_number": candidate.get("invoice_number")}
    for key in ("invoice_date", "due_date", "amount"):
        if item.get(key):
            row[key] = item[key]
    row.update({k: v for k, v in candidate.items() if k not in row})
    if item.get("currency"):
        row.setdefault("currency", item["currency"])
    return row


def last_payments(history: Sequence[Any], customer: str | None) -> list[dict[str, str]]:
    """The customer's latest payments among ``history`` (this bot's successful items,
    oldest first), newest first, with the ERP's document number."""
    if not customer:
        return []
    out: list[dict[str, str]] = []
    for item in reversed(history):
        payload, output = item.payload or {}, item.output or {}
        entry = payload.get("entry") or {}
        if payload.get("customer_id") != customer or not output.get("confirmation"):
            continue
        out.append({"booking_date": str(entry.get("booking_date") or ""),
                    "amount": str(entry.get("amount") or ""),
                    "currency": str(entry.get("currency") or ""),
                    "bank_reference": str(entry.get("bank_reference") or item.reference),
                    "invoices": ", ".join(a.get("invoice_number", "")
                                          for a in payload.get("allocations") or ()),
                    "erp_document": str(output["confirmation"])})
        if len(out) == MAX_PAYMENTS:
            break
    return out


def original_payment(explanation: str, own_reference: str,
                     known: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The payment a duplicate repeats: the known payment (by bank reference: earlier
    entries of the statement, payments posted before) the matching's explanation names."""
    for reference, entry in known.items():
        if reference and reference != own_reference and reference in explanation:
            return {"bank_reference": reference,
                    "booking_date": str(entry.get("booking_date") or ""),
                    "amount": str(entry.get("amount") or ""),
                    "confirmation": entry.get("confirmation")}
    return None


def intake_evidence(customer: str | None, candidates: Sequence[Mapping[str, Any]],
                    ledger: Ledger, history: Sequence[Any]) -> dict[str, Any]:
    """``payload["evidence"]`` of one exception (see the module docstring)."""
    picked = {str(c.get("invoice_number")) for c in candidates}
    others = [i for i in ledger.items.get(customer or "", []) if i["invoice_number"]
              not in picked][:MAX_OTHER_ITEMS]
    return {
        "customer": {"id": customer, "name": ledger.names.get(customer or "")}
        if customer else None,
        "other_open_items": others,
        "last_payments": last_payments(history, customer),
        "read_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
