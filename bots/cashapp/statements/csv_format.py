"""Bank CSV exports, read through a ``CsvMapping``.

A file of several accounts (the mapping's account column) is one statement per account.
Amounts and dates are ASCII digits only (``Decimal`` and ``strptime`` would read digits of
any script); a line cut short, a quote left open at the end, NUL bytes and lines over
64 KiB are refused naming the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
from decimal import Decimal
from typing import Any

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.csv_mapping import MAPPINGS, CsvMapping, detect_mapping
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


@functools.lru_cache(maxsize=4096)
def _date(raw: str, date_format: str) -> dt.date:
    """``raw`` read with ``date_format`` (a file's rows share few dates: read each once)."""
    if not raw.isascii():  # strptime would read digits of any script
        raise ValueError(raw)
    return dt.datetime.strptime(raw, date_format).date()


class _Row:
    """One data row, read through the mapping; errors name the file and line."""

    def __init__(self, mapping: CsvMapping, cells: dict[str, str], file: str, line: int):
        self.m, self.cells, self.file, self.where = mapping, cells, file, f"line {line}"

    def get(self, column: str | None) -> str:
        return (self.cells.get(column) or "").strip() if column else ""

    def fail(self, message: str) -> StatementParseError:
        return StatementParseError(message, file=self.file, location=self.where)

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
        if not raw.replace(self.m.thousands_sep or " ", "").isascii():
            raise self.fail(f"amount {raw!r} in column {column!r} is not written in ASCII "
                            "digits")
        return parse_amount(raw, currency, file=self.file, location=self.where, signed=signed,
                            decimal_sep=self.m.decimal_sep, thousands_sep=self.m.thousands_sep)

    def money(self, currency: str) -> tuple[Decimal, Direction]:
        m = self.m
        if m.sign == "split":
            debit = self.amount(m.debit, currency, signed=True)
            credit = self.amount(m.credit, currency, signed=True)
            if (debit is None) == (credit is None):
                raise self.fail(f"exactly one of {m.debit!r} and {m.credit!r} must be filled")
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
        currency = check_currency(self.get(m.currency) or m.default_currency,
                                  file=self.file, location=self.where)
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
    """One statement per account (the mapping's account column), in order of first row;
    a single statement when the mapping has no account column."""
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
    rows = _read(data, mapping, source)
    accounts: dict[str, list[_Row]] = {}
    for account, row in rows:
        accounts.setdefault(account, []).append(row)
    statement_id = f"{mapping.name}-{hashlib.sha256(data).hexdigest()[:16]}"
    if not accounts:
        return [_statement(mapping, statement_id, "", [], source)]
    return [_statement(mapping, statement_id, account, found, source)
            for account, found in accounts.items()]


def parse_csv(data: bytes, *, source: str = "", mapping: CsvMapping | None = None) -> Statement:
    """The statement of a file of one account; rows for several accounts are refused."""
    statements = parse_csv_statements(data, source=source, mapping=mapping)
    if len(statements) > 1:
        column = (mapping or detect_mapping(data) or MAPPINGS[0]).account
        raise StatementParseError(f"rows for {len(statements)} accounts in one file",
                                  file=source, location=f"column {column}")
    return statements[0]


def _statement(mapping: CsvMapping, statement_id: str, account: str, rows: list[_Row],
               source: str) -> Statement:
    entries = [row.entry(n) for n, row in enumerate(rows, start=1)]
    dates = [e.booking_date for e in entries]
    return with_references(Statement(
        format="csv",
        statement_id=statement_id,
        sequence=None,
        account_iban=account,
        currency=entries[0].currency if entries else mapping.default_currency,
        opening_balance=None,
        closing_balance=None,
        created_at=None,
        from_date=min(dates) if dates else None,
        to_date=max(dates) if dates else None,
        entries=tuple(entries),
        source=source,
        encoding=mapping.encoding,
    ))


def _read(data: bytes, mapping: CsvMapping, source: str) -> list[tuple[str, _Row]]:
    """(account, row) of every data row, the bytes decoded as the file is read."""
    encoding = "utf-8-sig" if mapping.encoding.lower().replace("_", "-") in ("utf-8", "utf8") \
        else mapping.encoding
    try:
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    except LookupError as exc:
        raise StatementParseError(f"unknown encoding {mapping.encoding!r}", file=source) from exc
    reader = csv.reader(stream, delimiter=mapping.delimiter, strict=True)
    try:
        return _rows(reader, mapping, source, ends_with_newline=data.endswith(b"\n"))
    except UnicodeDecodeError:
        decode(data, mapping.encoding, file=source)  # raises, naming the line
        raise
    except csv.Error as exc:
        reason = str(exc)
        if "unexpected end of data" in reason:
            reason = "file ends inside a quoted field (truncated?)"
        raise StatementParseError(f"malformed CSV: {reason}", file=source,
                                  location=f"line {reader.line_num}") from exc


def _rows(reader: Any, mapping: CsvMapping, source: str,
          ends_with_newline: bool) -> list[tuple[str, _Row]]:
    header = [cell.strip() for cell in next(reader, [])]
    found: list[tuple[str, _Row]] = []
    cells: list[str] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            cut = "" if ends_with_newline else ", and the file ends without a newline"
            raise StatementParseError(
                f"expected {len(header)} columns, found {len(cells)} (truncated line?{cut})",
                file=source, location=f"line {reader.line_num}")
        row = _Row(mapping, dict(zip(header, cells, strict=True)), source, reader.line_num)
        account = clean_iban(row.get(mapping.account)) or "" if mapping.account else ""
        found.append((account, row))
    return found
