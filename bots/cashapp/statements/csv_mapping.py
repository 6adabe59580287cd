"""How one bank lays out its CSV export, and the mappings finbots ships.

A mapping names the columns, the date format, the decimal and thousands separators, the
sign convention and the encoding. A file is recognised by its header row, which may follow
a few lines of account, period and balance (``HEADER_SEARCH_LINES``). A file saved as
UTF-8 (a byte-order mark, or bytes that are valid UTF-8 and not plain ASCII) is read as
UTF-8 whatever encoding the mapping names: banks offer both for the same layout.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from typing import Literal, NamedTuple

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
    currency_symbols: tuple[str, ...] = ()  # dropped around an amount ("$2,450.00")
    negative_parentheses: bool = False  # "(312.18)" is -312.18, as accountants write it

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
    currency_symbols=("$",), negative_parentheses=True,
)

MAPPINGS: tuple[CsvMapping, ...] = (SANDBOX_BANK, DE_BANK, US_BANK)


#: How many lines may come before the header row (account, period, balance lines).
HEADER_SEARCH_LINES = 20
_UTF8_CHUNK = 1 << 20


class Header(NamedTuple):
    """The header row of a file: its line number (1-based), where it starts, its cells."""

    line: int
    offset: int
    cells: list[str]


def is_utf8_name(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def _is_wide(encoding: str) -> bool:
    """UTF-16/32: lines cannot be told apart by their ``\\n`` byte."""
    return encoding.lower().replace("_", "-").startswith(("utf-16", "utf16", "utf-32", "utf32"))


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked in chunks (no decoded copy of the file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _UTF8_CHUNK):
            decoder.decode(view[start:start + _UTF8_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def text_encoding(data: bytes, mapping: CsvMapping) -> str:
    """The encoding to read ``data`` in: UTF-8 when the file carries a UTF-8 byte-order
    mark or is valid UTF-8 with bytes beyond ASCII, else the mapping's own."""
    declared = mapping.encoding
    if is_utf8_name(declared) or _is_wide(declared):
        return declared
    if data.startswith(codecs.BOM_UTF8) or (not data.isascii() and _is_utf8(data)):
        return "utf-8"
    return declared


def _cells(raw: bytes, encoding: str, delimiter: str) -> list[str] | None:
    """One line's cells, or None when it does not decode or parse."""
    try:
        line = raw.decode(encoding).removeprefix("\ufeff")
        row = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
    except (UnicodeDecodeError, LookupError, csv.Error):
        return None
    return [cell.strip() for cell in row]


def find_header(data: bytes, mapping: CsvMapping, encoding: str | None = None) -> Header | None:
    """The first of the first ``HEADER_SEARCH_LINES`` lines holding every column the mapping
    reads, or None. Each line is tried as ``encoding``; without one, as UTF-8 and then as
    the mapping's encoding (detection, which does not read the whole file)."""
    wide = _is_wide(encoding or mapping.encoding)
    tries = [encoding] if encoding else list(dict.fromkeys(
        [mapping.encoding] if wide else ["utf-8", mapping.encoding]))
    wanted = mapping.columns()
    start = 0
    for line in range(1, (1 if wide else HEADER_SEARCH_LINES) + 1):
        if start >= len(data):
            return None
        end = data.find(b"\n", start, start + MAX_LINE_BYTES + 1)
        if end < 0 and len(data) - start > MAX_LINE_BYTES:
            return None  # a runaway line is no bank's CSV header nor its preamble
        end = len(data) if end < 0 else end
        raw = data[start:end].rstrip(b"\r")
        for tried in tries:
            cells = _cells(raw, tried, mapping.delimiter)
            if cells and wanted <= set(cells):
                return Header(line, start, cells)
        start = end + 1
    return None


def header_of(data: bytes, mapping: CsvMapping) -> list[str] | None:
    """The header cells of ``data`` for ``mapping`` (see ``find_header``), or None."""
    found = find_header(data, mapping)
    return found.cells if found else None


def detect_mapping(data: bytes, mappings: tuple[CsvMapping, ...] = MAPPINGS) -> CsvMapping | None:
    """The mapping whose header row comes first in the file (the first listed on a tie)."""
    best: tuple[int, CsvMapping] | None = None
    for mapping in mappings:
        found = find_header(data, mapping)
        if found and (best is None or found.line < best[0]):
            best = (found.line, mapping)
    return best[1] if best else None
