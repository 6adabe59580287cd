"""How one bank lays out its CSV export, and the mappings finbots ships.

A mapping names the columns, the date format, the decimal and thousands separators, the
sign convention and the encoding. A file is recognised by its header row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Literal

from bots.cashapp.statements.text import MAX_LINE_BYTES

Sign = Literal["signed", "direction", "split"]


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Column names of one bank's export. Optional columns are None when the bank has none.

    ``sign``: ``signed`` = one amount column, negative for debits; ``direction`` = an
    unsigned amount plus a column holding ``credit_marks``/``debit_marks``; ``split`` =
    separate ``debit`` and ``credit`` columns, one of them filled.
    """

    name: str
    booking_date: str
    remittance_text: tuple[str, ...]
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    direction: str | None = None
    sign: Sign = "signed"
    credit_marks: tuple[str, ...] = ("CRDT", "C", "CR", "CREDIT", "H")
    debit_marks: tuple[str, ...] = ("DBIT", "D", "DR", "DEBIT", "S")
    value_date: str | None = None
    currency: str | None = None  # column; ``default_currency`` when None
    default_currency: str = "EUR"
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    creditor_reference: str | None = None
    account: str | None = None
    date_format: str = "%Y-%m-%d"
    decimal_sep: str = "."
    thousands_sep: str = ""
    delimiter: str = ","
    encoding: str = "utf-8"

    def columns(self) -> set[str]:
        """Every column the mapping reads: all must be in the header."""
        named = (self.booking_date, self.amount, self.debit, self.credit, self.direction,
                 self.value_date, self.currency, self.bank_reference, self.end_to_end_id,
                 self.counterparty_name, self.counterparty_iban, self.creditor_reference,
                 self.account)
        return {c for c in named if c} | set(self.remittance_text)


SANDBOX_BANK = CsvMapping(
    name="sandbox_bank", booking_date="booking_date", value_date="value_date",
    amount="amount", direction="direction", sign="direction", currency="currency",
    bank_reference="bank_reference", end_to_end_id="end_to_end_id",
    counterparty_name="counterparty_name", counterparty_iban="counterparty_iban",
    creditor_reference="creditor_reference", remittance_text=("remittance_text",),
)

# German online-banking style: semicolons, decimal comma, one signed amount, Windows-1252.
DE_BANK = CsvMapping(
    name="de_bank", account="Auftragskonto", booking_date="Buchungstag",
    value_date="Valutadatum", counterparty_name="Zahlungspflichtiger/Empfänger",
    counterparty_iban="IBAN", remittance_text=("Verwendungszweck",),
    end_to_end_id="Kundenreferenz (End-to-End)", bank_reference="Bankreferenz",
    amount="Betrag", currency="Währung", sign="signed", date_format="%d.%m.%Y",
    decimal_sep=",", thousands_sep=".", delimiter=";", encoding="cp1252",
)

# US style: month first, thousands comma, separate debit and credit columns, no currency.
US_BANK = CsvMapping(
    name="us_bank", booking_date="Date", bank_reference="Bank Reference",
    end_to_end_id="Customer Reference", counterparty_name="Name",
    remittance_text=("Description",), debit="Debit", credit="Credit", sign="split",
    default_currency="USD", date_format="%m/%d/%Y", thousands_sep=",",
)

MAPPINGS: tuple[CsvMapping, ...] = (SANDBOX_BANK, DE_BANK, US_BANK)


def header_of(data: bytes, mapping: CsvMapping) -> list[str] | None:
    """The header cells of ``data`` read as ``mapping`` would, or None if unreadable."""
    end = data.find(b"\n", 0, MAX_LINE_BYTES + 1)
    if end < 0 and len(data) > MAX_LINE_BYTES:
        return None  # no header line: a runaway first line is no bank's CSV
    first = data[: end if end >= 0 else len(data)].rstrip(b"\r")
    try:
        line = first.decode(mapping.encoding).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    try:
        row = next(csv.reader(io.StringIO(line), delimiter=mapping.delimiter), [])
    except csv.Error:
        return None
    return [cell.strip() for cell in row]


def detect_mapping(data: bytes, mappings: tuple[CsvMapping, ...] = MAPPINGS) -> CsvMapping | None:
    """The first mapping whose columns all appear in the header row."""
    for mapping in mappings:
        header = header_of(data, mapping)
        if header and mapping.columns() <= set(header):
            return mapping
    return None
