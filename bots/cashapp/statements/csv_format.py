"""Bank CSV exports, read through a ``CsvMapping``.

A file of several accounts (the mapping's account column) or currencies is one statement
per account and currency, in the order of their first rows. Amounts and dates are ASCII
digits only (``Decimal`` and ``strptime`` would read digits of any script); a line cut
short, a quote left open at the end, NUL bytes and lines over 64 KiB are refused naming
the line.

Lines above the header row are skipped (see ``csv_mapping.find_header``). Balance and
total lines ("Neuer Kontostand", "Total", "Saldo", ...) before the first or after the
last payment are skipped, never read as payments; one between payments is refused, and
so is a payment line without an account where the mapping has an account column.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import re
from decimal import Decimal
from typing import Any

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.csv_mapping import (
    HEADER_SEARCH_LINES,
    MAPPINGS,
    CsvMapping,
    detect_mapping,
    find_header,
    is_utf8_name,
    text_encoding,
)
from bots.cashapp.statements.entry_refs import with_references
from bots.cashapp.statements.limits import check_size
from bots.cashapp.statements.money import check_currency, parse_amount
from bots.cashapp.statements.narrative import reference
from bots.cashapp.statements.text import (
    check_line_lengths,
    check_no_nul,
    clean_iban,
    decode,
    find_rf,
    join_parts,
    looks_utf16,
    valid_rf,
)
from bots.runtime.errors import StatementParseError, UnknownFormatError

# A cell that labels a balance or total line: the label alone, or followed by a date
# ("Kontostand vom 03.12.2026:", "Saldo per 31.12.", "Closing balance as of 12/31/2026").
# "Total Wine & More" is a payee, not a label: only the words below may follow one.
_SUMMARY_LABEL = re.compile(
    r"""^(?:(?:neuer|alter|aktueller|letzter)\s+)?
    (?:kontostand|saldo|anfangssaldo|endsaldo|schlusssaldo|summe|gesamt(?:summe)?
      |(?:(?:opening|closing|beginning|ending|starting|ledger|available|new|old|previous)
         \s+)?balance
      |(?:grand\s+)?totals?(?:\s+(?:debits?|credits?|amounts?))?)
    \s*:?\s*(?:(?:vom|per|am|zum|as\s+of|on|at)\b.*|[\d./-]+)?\s*:?$""",
    re.IGNORECASE | re.VERBOSE)


def is_summary_label(text: str) -> bool:
    """Whether a cell reads as the label of a balance or total line."""
    return bool(_SUMMARY_LABEL.match(" ".join(text.split())))


@functools.lru_cache(maxsize=4096)
def _date(raw: str, date_format: str) -> dt.date:
    """``raw`` read with ``date_format`` (a file's rows share few dates: read each once).

    Where the format has a four-digit year (``%Y``), a two-digit one is read too ("02.12.26"),
    pivoting as ``%y`` does (69-99 are 1969-1999, 00-68 are 2000-2068).
    """
    if not raw.isascii():  # strptime would read digits of any script
        raise ValueError(raw)
    try:
        return dt.datetime.strptime(raw, date_format).date()
    except ValueError:
        if "%Y" not in date_format:
            raise
        return dt.datetime.strptime(raw, date_format.replace("%Y", "%y")).date()


class _Row:
    """One data row, read through the mapping; errors name the file and line."""

    def __init__(self, mapping: CsvMapping, header: list[str], cells: list[str], file: str,
                 line: int):
        self.m, self.file, self.where = mapping, file, f"line {line}"
        self.header, self.values = header, cells
        self.cells = dict(zip(header, cells, strict=False))

    def get(self, column: str | None) -> str:
        return (self.cells.get(column) or "").strip() if column else ""

    def fail(self, message: str) -> StatementParseError:
        return StatementParseError(message, file=self.file, location=self.where)

    def is_summary(self) -> bool:
        """A balance or total line: no reference nor counterparty IBAN, no account or payee
        but a label, and a cell that is such a label ("Neuer Kontostand", "Total").

        A label in the remittance text only counts on a line without a booking date: a
        payment whose text is "Saldo" is still a payment (and refused if it lacks more).
        """
        m = self.m
        if any(self.get(c) for c in (m.bank_reference, m.end_to_end_id, m.counterparty_iban,
                                     m.creditor_reference)):
            return False
        for column in (m.account, m.counterparty_name):
            value = self.get(column)
            if value and not is_summary_label(value):
                return False
        labelled = [n for n, cell in enumerate(self.values) if is_summary_label(cell)]
        if any(n >= len(self.header) or self.header[n] not in m.remittance_text
               for n in labelled):
            return True
        return bool(labelled) and not self.get(m.booking_date)

    def account(self) -> str:
        """The account the line belongs to ("" where the mapping has no account column)."""
        if not self.m.account:
            return ""
        account = clean_iban(self.get(self.m.account))
        if not account:
            raise self.fail(f"no account in column {self.m.account!r}")
        return account

    @functools.cached_property
    def currency(self) -> str:
        return check_currency(self.get(self.m.currency) or self.m.default_currency,
                              file=self.file, location=self.where)

    def date(self, column: str | None) -> dt.date | None:
        raw = self.get(column)
        if not raw:
            return None
        try:
            return _date(raw, self.m.date_format)
        except ValueError as exc:
            raise self.fail(f"{column} {raw!r} is not a date ({self.m.date_format})") from exc

    def amount(self, column: str | None, currency: str, *, signed: bool) -> Decimal | None:
        raw = self.get(column)
        if not raw:
            return None
        text = self._unwrapped(raw) if self.m.currency_symbols or self.m.negative_parentheses \
            else raw
        if not text.replace(self.m.thousands_sep or " ", "").isascii():
            raise self.fail(f"amount {raw!r} in column {column!r} is not written in ASCII "
                            "digits")
        try:
            return parse_amount(text, currency, file=self.file, location=self.where,
                                signed=signed, decimal_sep=self.m.decimal_sep,
                                thousands_sep=self.m.thousands_sep)
        except StatementParseError as exc:
            if text == raw:
                raise
            raise self.fail(exc.reason.replace(repr(text), repr(raw), 1)) from exc

    def _unwrapped(self, raw: str) -> str:
        """``raw`` without the mapping's currency symbol, accounting parentheses as a minus:
        "$2,450.00" -> "2,450.00", "($312.18)" -> "-312.18", "-$5.00" -> "-5.00"."""
        text, negative = raw, False
        if self.m.negative_parentheses and text.startswith("(") and text.endswith(")"):
            text, negative = text[1:-1].strip(), True
        sign = ""
        for symbol in self.m.currency_symbols:
            if text[:1] in "+-" and text[1:].lstrip().startswith(symbol):
                sign, text = text[0], text[1:].lstrip()
            if text.startswith(symbol):
                text = text[len(symbol):].strip()
                break
            if text.endswith(symbol):
                text = text[: -len(symbol)].strip()
                break
        if negative:
            if (sign + text)[:1] in "+-":
                raise self.fail(f"amount {raw!r} is not a number")  # "(-5.00)"
            return "-" + text
        return sign + text

    def money(self, currency: str) -> tuple[Decimal, Direction]:
        m = self.m
        if m.sign == "split":
            # "0.00" in the column not used counts as empty, as banks export it
            debit = self.amount(m.debit, currency, signed=True) or None
            credit = self.amount(m.credit, currency, signed=True) or None
            if (debit is None) == (credit is None):
                raise self.fail(f"exactly one of {m.debit!r} and {m.credit!r} must be filled "
                                "with an amount other than zero")
            return (abs(credit), Direction.CREDIT) if credit is not None \
                else (abs(debit or 0), Direction.DEBIT)
        value = self.amount(m.amount, currency, signed=m.sign == "signed")
        if value is None:
            raise self.fail(f"missing amount in column {m.amount!r}")
        if m.sign == "signed":
            return abs(value), Direction.DEBIT if value < 0 else Direction.CREDIT
        mark = self.get(m.direction).upper()
        if mark in m.credit_marks:
            return value, Direction.CREDIT
        if mark in m.debit_marks:
            return value, Direction.DEBIT
        raise self.fail(f"direction {mark!r} is neither credit nor debit")

    def entry(self, n: int) -> StatementEntry:
        m = self.m
        currency = self.currency
        amount, way = self.money(currency)
        booking = self.date(m.booking_date)
        if booking is None:
            raise self.fail(f"missing booking date in column {m.booking_date!r}")
        text = join_parts([self.get(c) for c in m.remittance_text])
        given = self.get(m.creditor_reference)
        rf = valid_rf(given)
        if given and not rf:
            text = join_parts([text, given])
        bank_ref = reference(self.get(m.bank_reference))
        return StatementEntry(
            entry_id=f"{n}-1", amount=amount, currency=currency, direction=way,
            booking_date=booking, value_date=self.date(m.value_date) or booking,
            bank_reference=bank_ref,  # none: made up with its statement (entry_refs)
            end_to_end_id=reference(self.get(m.end_to_end_id)),
            counterparty_name=self.get(m.counterparty_name) or None,
            counterparty_iban=clean_iban(self.get(m.counterparty_iban)),
            creditor_reference=rf or find_rf(text), remittance_text=text)


def parse_csv_statements(data: bytes, *, source: str = "",
                         mapping: CsvMapping | None = None) -> list[Statement]:
    """One statement per account (the mapping's account column) and currency, in order of
    first row; a single statement when the mapping has no account column and the file one
    currency. An account in several currencies has its statement ids end in the currency
    (``-USD``), so that each is a statement of its own to duplicate detection."""
    check_size(len(data), source)
    mapping = mapping or detect_mapping(data)
    if mapping is None:
        raise UnknownFormatError("CSV header matches no known bank mapping", file=source,
                                 location="line 1")
    if looks_utf16(data):
        decode(data, mapping.encoding, file=source)  # refused unless the mapping reads UTF-16
    else:
        check_no_nul(data, file=source)
    check_line_lengths(data, file=source)
    encoding, rows = _read(data, mapping, source)
    groups: dict[tuple[str, str], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.account(), row.currency), []).append(row)
    base_id = f"{mapping.name}-{_digest(data, rows)}"
    if not groups:
        return [_statement(mapping, base_id, "", mapping.default_currency, [], source,
                           encoding)]
    per_account: dict[str, int] = {}
    for account, _currency in groups:
        per_account[account] = per_account.get(account, 0) + 1
    return [_statement(mapping, base_id if per_account[account] == 1
                       else f"{base_id}-{currency}", account, currency, found, source, encoding)
            for (account, currency), found in groups.items()]


def _digest(data: bytes, rows: list[_Row]) -> str:
    """What tells one export from another: its payment rows as read (the same rows saved
    with other line ends, in another encoding or below another export time are the same
    export); the bytes of an export without payments."""
    if not rows:
        return hashlib.sha256(data).hexdigest()[:16]
    text = "\x1e".join("\x1f".join(cell.strip() for cell in row.values) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_csv(data: bytes, *, source: str = "", mapping: CsvMapping | None = None) -> Statement:
    """The statement of a file of one account in one currency; several are refused."""
    statements = parse_csv_statements(data, source=source, mapping=mapping)
    if len(statements) > 1:
        used = mapping or detect_mapping(data) or MAPPINGS[0]
        accounts = {s.account_iban for s in statements}
        if len(accounts) > 1:
            raise StatementParseError(f"rows for {len(accounts)} accounts in one file",
                                      file=source, location=f"column {used.account}")
        currencies = ", ".join(s.currency for s in statements)
        raise StatementParseError(
            f"rows in {len(statements)} currencies ({currencies}) for one account",
            file=source, location=f"column {used.currency}")
    return statements[0]


def _statement(mapping: CsvMapping, statement_id: str, account: str, currency: str,
               rows: list[_Row], source: str, encoding: str) -> Statement:
    entries = [row.entry(n) for n, row in enumerate(rows, start=1)]
    dates = [e.booking_date for e in entries]
    return with_references(Statement(
        format="csv",
        statement_id=statement_id,
        sequence=None,
        account_iban=account,
        currency=currency,
        opening_balance=None,
        closing_balance=None,
        created_at=None,
        from_date=min(dates) if dates else None,
        to_date=max(dates) if dates else None,
        entries=tuple(entries),
        source=source,
        encoding=encoding,
    ))


def _read(data: bytes, mapping: CsvMapping, source: str) -> tuple[str, list[_Row]]:
    """The encoding read in, and the payment lines, the bytes decoded as the file is read."""
    encoding = text_encoding(data, mapping)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise StatementParseError(f"unknown encoding {mapping.encoding!r}", file=source) from exc
    header = find_header(data, mapping, encoding)
    if header is None:
        missing = sorted(mapping.columns())
        raise StatementParseError(
            f"no header row with the columns {missing} of mapping {mapping.name!r} in the "
            f"first {HEADER_SEARCH_LINES} lines", file=source, location="line 1")
    buffer = io.BytesIO(data)
    buffer.seek(header.offset)
    wrapper = "utf-8-sig" if is_utf8_name(encoding) else encoding  # a BOM is not content
    stream = io.TextIOWrapper(buffer, encoding=wrapper, newline="")
    reader = csv.reader(stream, delimiter=mapping.delimiter, strict=True)
    above = header.line - 1  # lines before the header: line numbers are the file's
    try:
        return encoding, _rows(reader, mapping, source, above,
                               ends_with_newline=data.endswith(b"\n"))
    except UnicodeDecodeError:
        decode(data, encoding, file=source)  # raises, naming the line
        raise
    except csv.Error as exc:
        reason = str(exc)
        if "unexpected end of data" in reason:
            reason = "file ends inside a quoted field (truncated?)"
        raise StatementParseError(f"malformed CSV: {reason}", file=source,
                                  location=f"line {reader.line_num + above}") from exc


def _rows(reader: Any, mapping: CsvMapping, source: str, above: int,
          ends_with_newline: bool) -> list[_Row]:
    """The payment lines; balance and total lines around them are dropped (see module)."""
    header = [cell.strip() for cell in next(reader, [])]
    found: list[tuple[bool, _Row]] = []
    cells: list[str] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = _Row(mapping, header, cells, source, reader.line_num + above)
        summary = row.is_summary()
        if len(cells) != len(header) and not summary:
            cut = "" if ends_with_newline else ", and the file ends without a newline"
            raise row.fail(
                f"expected {len(header)} columns, found {len(cells)} (truncated line?{cut})")
        found.append((summary, row))
    payments = [n for n, (summary, _) in enumerate(found) if not summary]
    if payments:
        for summary, row in found[payments[0]:payments[-1]]:
            if summary:
                raise row.fail("a balance or total line between payment lines")
    return [row for summary, row in found if not summary]
