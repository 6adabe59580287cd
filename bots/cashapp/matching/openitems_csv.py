"""Open items from the ERP's CSV export (one row per invoice and customer bank account).

A month-end export runs to a million rows, so the file is read as a stream of plain rows
(no dictionary per row) and what repeats across rows (IBANs, dates, currencies, the
customer's name) is checked once and shared.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bots.cashapp.bulk import paused_gc
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
_ZERO = Decimal("0")
_CENT = Decimal("0.01")
_MISSING = object()


def load_open_items_csv(path: Path | str) -> list[OpenItem]:
    """Read and validate the export; rows repeating an invoice for another IBAN are merged."""
    file = Path(path)
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream, paused_gc():
            return _Reader(str(file)).read(stream)
    except OSError as exc:
        raise OpenItemsError(f"cannot read open items ({exc})", file=str(file)) from exc


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.line = 1
        self.ibans: dict[str, tuple[str, ...]] = {"": ()}
        self.dates: dict[str, dt.date | None] = {"": None}
        self.currencies: dict[str, str] = {}
        self.percents: dict[str, Decimal] = {"": _ZERO}
        self.names: dict[str, str] = {}

    def fail(self, message: str) -> OpenItemsError:
        return OpenItemsError(message, file=self.file, line=self.line)

    def read(self, stream: object) -> list[OpenItem]:
        try:
            return self._read(stream)
        except UnicodeDecodeError as exc:
            self.line += 1
            raise self.fail(f"cannot read open items ({exc})") from exc
        except csv.Error as exc:
            raise self.fail(f"not a readable CSV row ({exc})") from exc

    def _read(self, stream: object) -> list[OpenItem]:
        sample = stream.read(4096)  # type: ignore[attr-defined]
        stream.seek(0)  # type: ignore[attr-defined]
        reader = csv.reader(stream, _dialect(sample))  # type: ignore[call-overload]
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise OpenItemsError(f"missing columns: {', '.join(missing)}", file=self.file,
                                 line=1)
        at = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
        width = len(header)
        (number_at, customer_at, name_at, iban_at, amount_at, currency_at,
         due_at) = (at[name] for name in REQUIRED)
        rf_at, pct_at, until_at = (at.get(name, width) for name in OPTIONAL)
        padding = [""] * (width + 1)
        names, currencies, iban_cache = self.names, self.currencies, self.ibans
        dates, percents = self.dates, self.percents
        items: dict[str, OpenItem] = {}
        extra: dict[str, list[str]] = {}  # IBANs from further rows of the same invoice
        for row in reader:
            self.line = reader.line_num
            if len(row) <= width:
                if not row:
                    continue
                row = row + padding[: width + 1 - len(row)]
            number, customer = row[number_at].strip(), row[customer_at].strip()
            if not number or not customer:
                raise self.fail("invoice_number and customer_id are required")
            # the caches are looked up here rather than in the helpers: a call per field
            # and row would cost more than the rest of the row
            raw = row[name_at]
            name = names.get(raw) or self._name(raw)
            raw = row[currency_at]
            currency = currencies.get(raw) or self._currency(raw)
            raw = row[iban_at]
            ibans = iban_cache.get(raw)
            if ibans is None:
                ibans = self._iban(raw)
            raw = row[due_at]
            due = dates.get(raw, _MISSING)
            if due is _MISSING:
                due = self._date(raw)
            raw = row[until_at]
            until = dates.get(raw, _MISSING)
            if until is _MISSING:
                until = self._date(raw)
            raw = row[pct_at]
            pct = percents.get(raw, _MISSING)
            if pct is _MISSING:
                pct = self._percent(raw)
            amount = self._amount(row[amount_at])
            seen = items.get(number)
            if seen is None:
                items[number] = OpenItem(number, customer, name, amount, currency,
                                         due, ibans,  # type: ignore[arg-type]
                                         row[rf_at].strip() or None,
                                         pct, until)  # type: ignore[arg-type]
                continue
            # the same invoice on another row: another IBAN of the customer, nothing else
            if (seen.customer_id, seen.amount_open, seen.currency) != (customer, amount,
                                                                       currency):
                raise self.fail(f"invoice {number} repeated with different customer or amount")
            more = extra.setdefault(number, [])
            more.extend(ibans)
        for number, more in extra.items():
            seen = items[number]
            merged = tuple(dict.fromkeys(seen.customer_ibans + tuple(more)))
            items[number] = OpenItem(seen.invoice_number, seen.customer_id, seen.customer_name,
                                     seen.amount_open, seen.currency, seen.due_date, merged,
                                     seen.creditor_reference, seen.discount_percent,
                                     seen.discount_until)
        return list(items.values())

    def _name(self, raw: str) -> str:
        name = self.names.get(raw)
        if name is None:
            name = self.names[raw] = raw.strip()
        return name

    def _amount(self, raw: str) -> Decimal:
        text = raw.strip()
        if "," in text:
            text = text.replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise self.fail(f"not an amount: {raw.strip()!r}") from exc
        dot = text.find(".")
        many_decimals = (dot >= 0 and len(text) - dot > 3) or "e" in text or "E" in text
        if not amount.is_finite() or amount <= 0 or (
                many_decimals and amount != amount.quantize(_CENT)):
            raise self.fail(f"amount_open must be positive with at most 2 decimals: {amount}")
        return amount

    def _percent(self, raw: str) -> Decimal:
        found = self.percents.get(raw, _MISSING)
        if found is _MISSING:
            text = raw.strip().replace(",", ".")
            try:
                found = self.percents[raw] = Decimal(text or "0")
            except InvalidOperation as exc:
                raise self.fail(f"not an amount: {raw.strip()!r}") from exc
        return found  # type: ignore[return-value]

    def _currency(self, raw: str) -> str:
        found = self.currencies.get(raw)
        if found is None:
            code = raw.strip().upper()
            if len(code) != 3 or not code.isalpha():
                raise self.fail(f"not a currency code: {code!r}")
            found = self.currencies[raw] = code
        return found

    def _iban(self, raw: str) -> tuple[str, ...]:
        found = self.ibans.get(raw)
        if found is None:
            iban = compact(raw)
            if iban and not is_valid_iban(iban):
                raise self.fail(f"invalid IBAN {iban!r}")
            found = self.ibans[raw] = (iban,) if iban else ()
        return found

    def _date(self, raw: str) -> dt.date | None:
        found = self.dates.get(raw, _MISSING)
        if found is _MISSING:
            found = self.dates[raw] = _iso_date(raw.strip(), self.fail)
        return found  # type: ignore[return-value]


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The separator that splits the header into the required columns, else a guess."""
    first = sample.splitlines()[0] if sample else ""
    for separator in (",", ";", "\t"):
        if set(REQUIRED) <= {name.strip().strip('"') for name in first.split(separator)}:
            return _Separated(separator)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


class _Separated(csv.excel):
    def __init__(self, separator: str) -> None:
        super().__init__()
        self.delimiter = separator


def _iso_date(text: str, fail: Callable[[str], OpenItemsError]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"not an ISO date (YYYY-MM-DD): {text!r}") from exc
