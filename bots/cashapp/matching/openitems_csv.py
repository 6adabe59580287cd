"""Open items from the ERP's CSV export (one row per invoice and customer bank account)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bots.cashapp.identifiers import compact, is_valid_iban
from bots.cashapp.model import OpenItem
from bots.runtime.errors import OpenItemsError

REQUIRED = (
    "invoice_number",
    "customer_id",
    "customer_name",
    "customer_iban",
    "amount_open",
    "currency",
    "due_date",
)
OPTIONAL = ("creditor_reference", "discount_percent", "discount_until")


def load_open_items_csv(path: Path | str) -> list[OpenItem]:
    """Read and validate the export; rows repeating an invoice for another IBAN are merged."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OpenItemsError(f"cannot read open items ({exc})", file=str(file)) from exc
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise OpenItemsError(f"missing columns: {', '.join(missing)}", file=str(file), line=1)
    items: dict[str, OpenItem] = {}
    for row in reader:
        line = reader.line_num
        item = _row(row, str(file), line)
        seen = items.get(item.invoice_number)
        if seen is None:
            items[item.invoice_number] = item
            continue
        if (seen.customer_id, seen.amount_open, seen.currency) != (
            item.customer_id,
            item.amount_open,
            item.currency,
        ):
            raise OpenItemsError(
                f"invoice {item.invoice_number} repeated with different customer or amount",
                file=str(file),
                line=line,
            )
        ibans = tuple(dict.fromkeys(seen.customer_ibans + item.customer_ibans))
        items[item.invoice_number] = OpenItem(**{**_fields(seen), "customer_ibans": ibans})
    return list(items.values())


def _fields(item: OpenItem) -> dict[str, object]:
    return {name: getattr(item, name) for name in OpenItem.__slots__}  # type: ignore[attr-defined]


def _row(row: dict[str, str | None], file: str, line: int) -> OpenItem:
    def value(name: str) -> str:
        return (row.get(name) or "").strip()

    def fail(message: str) -> OpenItemsError:
        return OpenItemsError(message, file=file, line=line)

    number, customer = value("invoice_number"), value("customer_id")
    if not number or not customer:
        raise fail("invoice_number and customer_id are required")
    try:
        amount = Decimal(value("amount_open").replace(",", "."))
        discount = Decimal(value("discount_percent").replace(",", ".") or "0")
    except InvalidOperation as exc:
        raise fail(f"not an amount: {value('amount_open')!r}") from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise fail(f"amount_open must be positive with at most 2 decimals: {amount}")
    currency = value("currency").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise fail(f"not a currency code: {currency!r}")
    iban = compact(value("customer_iban"))
    if iban and not is_valid_iban(iban):
        raise fail(f"invalid IBAN {iban!r}")
    return OpenItem(
        invoice_number=number,
        customer_id=customer,
        customer_name=value("customer_name"),
        amount_open=amount,
        currency=currency,
        due_date=_date(value("due_date"), fail),
        customer_ibans=(iban,) if iban else (),
        creditor_reference=value("creditor_reference") or None,
        discount_percent=discount,
        discount_until=_date(value("discount_until"), fail),
    )


def _date(text: str, fail: object) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"not an ISO date (YYYY-MM-DD): {text!r}") from exc  # type: ignore[operator]
