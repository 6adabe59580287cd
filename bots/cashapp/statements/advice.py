"""Customer remittance advices: which invoices a payment pays, from a spreadsheet or a PDF.

Both readers produce the same shape: a few labelled fields (payer, payment reference,
payment amount, currency) followed by a table of invoice lines. The lines must add up to
the payment amount when the advice states one.
"""

from __future__ import annotations

import re
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
    "currency": "currency",
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


@dataclass
class AdviceBuilder:
    """Collects fields and lines as a reader finds them, then checks the whole."""

    file: str
    fields: dict[str, str] = field(default_factory=dict)
    amount: Decimal | None = None
    lines: list[RemittanceLine] = field(default_factory=list)

    def set_field(self, name: str, value: object, location: str) -> None:
        if name == "amount":
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
            lines=tuple(self.lines), source=self.file)


def parse_remittance_file(path: str | Path) -> RemittanceAdvice:
    """A remittance advice from an .xlsx workbook or a PDF, told apart by content."""
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
    raise UnknownFormatError("not an .xlsx workbook or a PDF remittance advice",
                             file=str(path), location="byte 0")
