"""Customer remittance advices: which invoices a payment pays, from a spreadsheet, a PDF
or a CSV file.

Both readers produce the same shape: a few labelled fields (payer, payment reference,
payment amount, currency) followed by a table of invoice lines. The lines must add up to
the payment amount when the advice states one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bots.cashapp.model import RemittanceAdvice, RemittanceLine
from bots.cashapp.statements.money import check_decimals
from bots.runtime.errors import StatementParseError, UnknownFormatError

FIELD_LABELS = {
    "payer": "payer", "payer name": "payer", "customer": "payer", "from": "payer",
    "payment reference": "reference", "reference": "reference", "end-to-end id": "reference",
    "payment amount": "amount", "total amount": "amount", "amount": "amount",
    "currency": "currency", "payment date": "date", "value date": "date", "date": "date",
    "paid on": "date",
}
COLUMN_LABELS = {
    "invoice": "invoice", "invoice number": "invoice", "invoice no": "invoice",
    "invoice no.": "invoice", "document": "invoice",
    "amount": "amount", "amount paid": "amount", "paid": "amount", "payment": "amount",
    "deduction": "deduction", "deducted": "deduction", "discount": "deduction",
    "note": "note", "notes": "note", "remark": "note", "reason": "note", "comment": "note",
}
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def label(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().rstrip(":").strip().lower()


def loose_amount(value: object, *, file: str, location: str) -> Decimal:
    """An amount as people write it: ``1,250.50``, ``1.250,50``, ``EUR 980``, or a number cell."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    raw = str(value or "").strip()
    text = re.sub(r"[A-Za-z€$£\s]", "", raw)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal = "," if re.search(r",\d{1,2}$", text) else ""
    else:
        decimal = "."
    thousands = {",": ".", ".": ",", "": ","}[decimal]
    text = text.replace(thousands, "")
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        if not _NUMBER.match(text):
            raise InvalidOperation(text)
        return Decimal(text)
    except InvalidOperation as exc:
        raise StatementParseError(f"amount {raw!r} is not a number", file=file,
                                  location=location) from exc


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y%m%d")


def loose_date(value: object, *, file: str, location: str) -> dt.date:
    """A payment date as a cell holds it (a date) or as people write it (ISO, 20.11.2026)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            if raw.isascii():
                return dt.datetime.strptime(raw[:10] if fmt == "%Y-%m-%d" else raw, fmt).date()
        except ValueError:
            continue
    raise StatementParseError(f"date {raw!r} is not a date (use 2026-11-20 or 20.11.2026)",
                              file=file, location=location)


@dataclass
class AdviceBuilder:
    """Collects fields and lines as a reader finds them, then checks the whole."""

    file: str
    fields: dict[str, str] = field(default_factory=dict)
    amount: Decimal | None = None
    payment_date: dt.date | None = None
    lines: list[RemittanceLine] = field(default_factory=list)

    def set_field(self, name: str, value: object, location: str) -> None:
        if name == "date":
            self.payment_date = loose_date(value, file=self.file, location=location)
        elif name == "amount":
            self.amount = loose_amount(value, file=self.file, location=location)
            code = re.search(r"\b([A-Z]{3})\b", str(value))
            if code and "currency" not in self.fields:
                self.fields["currency"] = code.group(1)
        elif value not in (None, ""):
            self.fields[name] = str(value).strip()

    def add_line(self, invoice: object, amount: object, deduction: object, note: object,
                 location: str) -> None:
        if not str(invoice or "").strip():
            raise StatementParseError("invoice line without an invoice number", file=self.file,
                                      location=location)
        paid = loose_amount(amount, file=self.file, location=location)
        deducted = (loose_amount(deduction, file=self.file, location=location)
                    if str(deduction or "").strip() else Decimal("0"))
        currency = self.fields.get("currency", "EUR")
        for value in (paid, deducted):
            check_decimals(value, currency, file=self.file, location=location)
        self.lines.append(RemittanceLine(str(invoice).strip(), paid, deducted,
                                         str(note or "").strip()))

    def read_rows(self, rows: Iterable[tuple[str, Sequence[object]]]) -> str:
        """Read a spreadsheet-like advice: labelled fields (``Payer``, ``Payment
        reference``, ...) then an invoice table, whose header row names at least the
        invoice and amount columns, ended by a blank row or a total row. Each row comes
        with its location for errors; returns the location of the last row read."""
        columns: dict[str, int] | None = None
        where = "start"
        for where, cells in rows:
            if not any(str(c or "").strip() for c in cells):
                if columns and self.lines:
                    break  # a blank row ends the table
                continue
            names = [COLUMN_LABELS.get(label(c)) for c in cells]
            if columns is None and "invoice" in names and "amount" in names:
                columns = {name: i for i, name in enumerate(names) if name}
                continue
            if columns is None:
                key = FIELD_LABELS.get(label(cells[0]))
                if key and len(cells) > 1:
                    self.set_field(key, cells[1], where)
                continue
            row = {name: cells[i] for name, i in columns.items() if i < len(cells)}
            if label(row.get("invoice") or "") in ("total", "sum"):
                break
            self.add_line(*(row.get(n) for n in ("invoice", "amount", "deduction", "note")),
                          where)
        return where

    def build(self, location: str) -> RemittanceAdvice:
        if not self.lines:
            raise StatementParseError("no invoice lines found", file=self.file, location=location)
        if "payer" not in self.fields:
            raise StatementParseError("no payer named", file=self.file, location=location)
        total = sum((line.amount for line in self.lines), Decimal("0"))
        if self.amount is not None and total != self.amount:
            raise StatementParseError(
                f"invoice lines add up to {total}, the advice says {self.amount}",
                file=self.file, location=location)
        return RemittanceAdvice(
            payer_name=self.fields["payer"], payment_reference=self.fields.get("reference"),
            payment_amount=self.amount, currency=self.fields.get("currency"),
            lines=tuple(self.lines), source=self.file, payment_date=self.payment_date)


def parse_remittance_file(path: str | Path) -> RemittanceAdvice:
    """A remittance advice from an .xlsx workbook or a PDF (told apart by content), or a
    ``.csv`` file."""
    path = Path(path)
    try:
        magic = path.read_bytes()[:8]
    except OSError as exc:
        raise StatementParseError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
    if magic.startswith(b"%PDF"):
        from bots.cashapp.statements.advice_pdf import read_pdf_advice

        return read_pdf_advice(path)
    if magic.startswith(b"PK\x03\x04"):
        from bots.cashapp.statements.advice_excel import read_excel_advice

        return read_excel_advice(path)
    if path.suffix.lower() == ".csv":
        from bots.cashapp.statements.advice_csv import read_csv_advice

        return read_csv_advice(path)
    raise UnknownFormatError("not an .xlsx workbook, a PDF or a CSV remittance advice",
                             file=str(path), location="byte 0")
