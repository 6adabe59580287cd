"""Files for the learning tests: a bank CSV statement of a few payments, an ERP open-items
export (the columns the ERP's export has)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

STATEMENT_COLUMNS = ("booking_date", "value_date", "amount", "direction", "currency",
                     "bank_reference", "end_to_end_id", "counterparty_name",
                     "counterparty_iban", "creditor_reference", "remittance_text")
OPEN_ITEM_COLUMNS = ("invoice_number", "customer_id", "customer_name", "customer_iban",
                     "amount_open", "currency", "due_date", "creditor_reference",
                     "discount_percent", "discount_until")


def write_statement(path: Path, payments: Iterable[dict[str, str]]) -> Path:
    """One CSV statement (sandbox bank's export): ``payments`` give bank_reference, amount,
    counterparty_name, counterparty_iban, remittance_text and optionally the dates."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(STATEMENT_COLUMNS)
        for p in payments:
            day = p.get("date", "2026-11-20")
            writer.writerow((day, day, p["amount"], "CRDT", "EUR", p["bank_reference"], "",
                             p.get("counterparty_name", ""), p.get("counterparty_iban", ""),
                             "", p.get("remittance_text", "")))
    return path


def write_open_items(path: Path, rows: Iterable[tuple[str, str, str, str, str]]) -> Path:
    """``rows``: (invoice, customer id, customer name, customer IBAN, open amount)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(OPEN_ITEM_COLUMNS)
        for number, customer, name, iban, amount in rows:
            writer.writerow((number, customer, name, iban, amount, "EUR", "2026-11-20", "",
                             "", ""))
    return path
